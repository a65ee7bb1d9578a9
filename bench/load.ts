import autocannon from 'autocannon'

export const CONNECTIONS = 50
export const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10)

export interface LoadResult {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  errors: number
  non2xx: number
}

/** How long each URL is driven, unrecorded, before its measurement: the JIT and the caches settle. */
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 3)

/** Drives one URL with CONNECTIONS concurrent connections for DURATION_SECONDS, after a warm-up. */
export async function load (url: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  if (WARM_UP_SECONDS > 0) await autocannon({ url, headers, connections: CONNECTIONS, duration: WARM_UP_SECONDS })
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_SECONDS })
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx
  }
}
