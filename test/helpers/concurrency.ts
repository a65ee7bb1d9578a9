/**
 * Awaits every request before reporting any failure (Promise.all would end the test while the others are
 * still in flight, and their answers would land in a closed app).
 */
export async function settled<T> (work: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(work)
  const failure = results.find((result) => result.status === 'rejected')
  if (failure !== undefined) throw failure.reason
  return results.map((result) => (result as PromiseFulfilledResult<T>).value)
}

/** `count` calls of `work` at once, each given its index, all awaited. */
export async function concurrently<T> (count: number, work: (index: number) => Promise<T>): Promise<T[]> {
  return await settled(Array.from({ length: count }, async (_, index) => await work(index)))
}
