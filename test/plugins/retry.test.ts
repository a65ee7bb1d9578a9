import t from 'tap'
import { MikroORM } from '@mikro-orm/postgresql'
import { createOrmConfig } from '../../mikro-orm.config.js'
import { createTestDatabase } from '../helpers/database.js'
import { concurrently } from '../helpers/concurrency.js'
import { ConflictRetry, retryOnConflict } from '../../plugins/db/retry.js'
import { lockForTransaction, tryLockForTransaction } from '../../plugins/db/advisory-lock.js'
import { User } from '../../modules/auth/user.entity.js'
import { toProblem } from '../../plugins/problem.js'

async function openOrm (t: Parameters<typeof createTestDatabase>[0], poolMax = 20): Promise<MikroORM> {
  const orm = await MikroORM.init(createOrmConfig({ clientUrl: await createTestDatabase(t), poolMax }))
  t.teardown(async () => { await orm.close() })
  await orm.em.fork().execute('create table counters (id int primary key, value int not null, version int not null)')
  await orm.em.fork().execute('insert into counters values (1, 0, 1)')
  return orm
}

/** The pattern checkout uses: read the version, write only if it is unchanged, retry when it was not. */
async function increment (tx: Parameters<Parameters<typeof retryOnConflict>[1]>[0]): Promise<number> {
  const [row] = await tx.execute<Array<{ value: number, version: number }>>('select value, version from counters where id = 1')
  const updated = await tx.execute<Array<{ value: number }>>('update counters set value = ?, version = version + 1 where id = 1 and version = ? returning value', [(row?.value ?? 0) + 1, row?.version])
  if (updated.length === 0) throw new ConflictRetry()
  return updated[0]?.value ?? 0
}

t.test('retryOnConflict: forty racing increments with a version guard all land, none twice', async (t) => {
  const orm = await openOrm(t)
  let conflicts = 0
  const values = await concurrently(40, async () => await retryOnConflict(orm.em, increment, { attempts: 100, onConflict: () => { conflicts++ } }))
  t.same([...values].sort((a, b) => a - b), Array.from({ length: 40 }, (_, index) => index + 1), 'each increment saw its own value')
  const [row] = await orm.em.fork().execute<Array<{ value: number }>>('select value from counters')
  t.equal(row?.value, 40)
  t.ok(conflicts > 0, `the races were real: ${conflicts} conflicts retried`)
})

t.test('retryOnConflict: a bounded number of attempts, then the conflict reaches the client as a 409', async (t) => {
  const orm = await openOrm(t)
  let attempts = 0
  const failing = retryOnConflict(orm.em, async () => { attempts++; throw new ConflictRetry() }, { attempts: 4, baseDelayMs: 1 })
  await t.rejects(failing, ConflictRetry)
  t.equal(attempts, 4, 'four attempts in all')
  const error = await failing.catch((caught: unknown) => caught)
  t.match(toProblem(error, '/x').problem, { status: 409, code: 'CONCURRENT_MODIFICATION' })
})

t.test('retryOnConflict: other errors are thrown at once, and each attempt starts from a fresh fork', async (t) => {
  const orm = await openOrm(t)
  let attempts = 0
  await t.rejects(retryOnConflict(orm.em, async () => { attempts++; throw new Error('boom') }), { message: 'boom' })
  t.equal(attempts, 1, 'not retried')

  const forks: unknown[] = []
  let first = true
  await retryOnConflict(orm.em, async (tx) => {
    forks.push(tx)
    await tx.execute('update counters set value = value + 100 where id = 1')
    if (first) { first = false; throw new ConflictRetry() }
  }, { baseDelayMs: 1 })
  t.equal(forks.length, 2)
  t.not(forks[0], forks[1], 'a new EntityManager for the second attempt')
  const [row] = await orm.em.fork().execute<Array<{ value: number }>>('select value from counters')
  t.equal(row?.value, 100, 'the failed attempt was rolled back')
})

t.test('retryOnConflict: a stale version at flush is a conflict too', async (t) => {
  const orm = await openOrm(t)
  const user = orm.em.fork().create(User, { email: 'retry@example.com', name: 'Before', passwordHash: 'x', role: 'CUSTOMER' })
  await orm.em.fork().persist(user).flush()
  let attempts = 0
  await retryOnConflict(orm.em, async (tx) => {
    attempts++
    const found = await tx.findOneOrFail(User, { email: 'retry@example.com' })
    if (attempts === 1) await orm.em.fork().nativeUpdate(User, { id: found.id }, { name: 'Meanwhile', version: found.version + 1 })
    found.name = `Attempt ${attempts}`
  }, { baseDelayMs: 1 })
  t.equal(attempts, 2, 'the optimistic lock failed once, then the retry saw the new version')
  t.equal((await orm.em.fork().findOneOrFail(User, { email: 'retry@example.com' })).name, 'Attempt 2')
})

t.test('advisory locks: one holder at a time, released with its transaction', async (t) => {
  const orm = await openOrm(t)
  let release!: () => void
  const held = new Promise<void>((resolve) => { release = resolve })
  const holding = orm.em.fork().transactional(async (tx) => {
    await lockForTransaction(tx, 'retry-test')
    await held
  })
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(await orm.em.fork().transactional(async (tx) => await tryLockForTransaction(tx, 'retry-test')), false, 'taken while held')
  t.equal(await orm.em.fork().transactional(async (tx) => await tryLockForTransaction(tx, 'another-lock')), true, 'another name is free')
  release()
  await holding
  t.equal(await orm.em.fork().transactional(async (tx) => await tryLockForTransaction(tx, 'retry-test')), true, 'free once the transaction ended')
})
