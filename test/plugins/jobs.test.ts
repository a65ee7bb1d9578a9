import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppConfig } from '../../fastify.config.js'
import { testConfig } from '../helpers/build.js'
import type { ScheduledJob } from '../../plugins/jobs.js'

async function startInstance (t: Test, config: AppConfig): Promise<FastifyInstance> {
  const app = await buildApp(config)
  t.teardown(async () => { await app.close() })
  await app.ready()
  return app
}

t.test('two instances on one database never run a job at the same time', async (t) => {
  const config = await testConfig(t)
  const instances = [await startInstance(t, config), await startInstance(t, config)]

  let runs = 0
  let otherAnswered!: () => void
  const firstAnswer = new Promise<void>((resolve) => { otherAnswered = resolve })
  const job: ScheduledJob = {
    name: 'jobs-test:exclusive',
    everyMs: 60_000,
    run: async (em) => {
      runs += 1
      await em.execute('SELECT 1')
      // Holds the lock (~300 ms of work) and at least until the other instance has answered,
      // so the outcome does not depend on which instance is scheduled first.
      await Promise.all([sleep(300), firstAnswer])
    }
  }

  const results = await Promise.all(instances.map(async (app) => await app.runJobOnce(job).finally(otherAnswered)))
  t.same([...results].sort(), [false, true], 'exactly one instance ran it')
  t.equal(runs, 1)

  t.equal(await instances[0]?.runJobOnce(job), true, 'the lock is released with the transaction')
  t.equal(await instances[1]?.runJobOnce(job), true)
  t.equal(runs, 3)
})

t.test('different jobs do not block each other', async (t) => {
  const app = await startInstance(t, await testConfig(t))
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let entered!: () => void
  const holding = new Promise<void>((resolve) => { entered = resolve })
  const slow: ScheduledJob = { name: 'jobs-test:slow', everyMs: 60_000, run: async () => { entered(); await released } }
  const quick: ScheduledJob = { name: 'jobs-test:quick', everyMs: 60_000, run: async () => {} }

  const slowRun = app.runJobOnce(slow)
  await holding
  t.equal(await app.runJobOnce(slow), false, 'the same job is locked out')
  t.equal(await app.runJobOnce(quick), true, 'another job runs')
  release()
  t.equal(await slowRun, true)
})

t.test('a failing run releases its lock and the failure surfaces', async (t) => {
  const app = await startInstance(t, await testConfig(t))
  const failing: ScheduledJob = { name: 'jobs-test:failing', everyMs: 60_000, run: async () => { throw new Error('carrier API down') } }
  await t.rejects(app.runJobOnce(failing), { message: 'carrier API down' })
  t.equal(await app.runJobOnce({ ...failing, run: async () => {} }), true)
})

t.test('scheduleJob runs a job on its interval and stops when the app closes', async (t) => {
  const app = await buildApp(await testConfig(t))
  t.teardown(async () => { await app.close() }) // a no-op once the test has closed it
  await app.ready()

  let runs = 0
  let ranOnce!: () => void
  const firstRun = new Promise<void>((resolve) => { ranOnce = resolve })
  app.scheduleJob({
    name: 'jobs-test:interval',
    everyMs: 20,
    run: async (em) => {
      runs += 1 // counted on entry: a run already under way when the app closes is not a run after close
      ranOnce()
      await em.execute('SELECT 1')
    }
  })
  await firstRun
  t.ok(runs >= 1, 'the job ran')

  await app.close()
  const afterClose = runs
  await sleep(200) // ten intervals: a scheduler still running would have run again
  t.equal(runs, afterClose, 'no run after close')
})
