import fp from 'fastify-plugin'
import { fastifySchedule } from '@fastify/schedule'
import { AsyncTask, SimpleIntervalJob } from 'toad-scheduler'
import type { EntityManager } from '@mikro-orm/postgresql'
import { tryLockForTransaction } from './db/advisory-lock.js'

export interface ScheduledJob {
  /** Unique name; also the advisory lock that keeps two instances from running the job at once. */
  name: string
  everyMs: number
  run: (em: EntityManager) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    scheduleJob: (job: ScheduledJob) => void
    /** Runs a job (or a scheduled one, by name) once now, under its lock; false when another instance holds it. */
    runJobOnce: (job: ScheduledJob | string) => Promise<boolean>
  }
}

/**
 * Periodic jobs that are safe with any number of instances: each run happens inside a transaction holding
 * the job's advisory lock, and an instance that cannot take it skips the run.
 * Jobs stop when the app closes.
 */
export default fp(async (app) => {
  await app.register(fastifySchedule)

  const scheduled = new Map<string, ScheduledJob>()

  async function runJobOnce (jobOrName: ScheduledJob | string): Promise<boolean> {
    const job = typeof jobOrName === 'string' ? scheduled.get(jobOrName) : jobOrName
    if (job === undefined) throw new Error(`no job named ${String(jobOrName)} is scheduled`)
    return await app.orm.em.fork().transactional(async (em) => {
      if (!await tryLockForTransaction(em, `job:${job.name}`)) return false
      await job.run(em)
      return true
    })
  }

  app.decorate('runJobOnce', runJobOnce)
  app.decorate('scheduleJob', (job: ScheduledJob) => {
    scheduled.set(job.name, job)
    const task = new AsyncTask(job.name, async () => { await runJobOnce(job) }, (error) => {
      app.log.error({ err: error, job: job.name }, 'scheduled job failed')
    })
    app.scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ milliseconds: job.everyMs, runImmediately: false }, task, { id: job.name, preventOverrun: true }))
  })
}, { name: 'jobs', dependencies: ['db'] })
