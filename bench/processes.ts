import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findFreePort } from '../plugins/db/embedded.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export interface BenchProcess {
  origin: string
  /** The process's peak resident set size so far, in MB (VmHWM). */
  peakRssMb: () => Promise<number>
  stop: () => Promise<void>
}

/** The API as production runs it: compiled (`npm run build`), with the Dockerfile's V8 flags. */
export const COMPILED_API = [...(process.env.BENCH_PROFILE === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']), '--max-semi-space-size=4', '--max-old-space-size=384', 'dist/server.js']

/** A TypeScript entry point, run through tsx. */
export function typescript (entry: string): string[] {
  return ['--import', 'tsx', entry]
}

/**
 * Starts a Node process (`args` after `node`), so the load generator and the server under test do not
 * share an event loop, and waits until it answers on its port.
 */
export async function startProcess (args: string[], env: Record<string, string>, readyPath = '/health/live'): Promise<BenchProcess> {
  const port = await findFreePort()
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const origin = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`)
    const answered = await fetch(`${origin}${readyPath}`).then((response) => response.ok, () => false)
    if (answered) break
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} did not start in time`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    origin,
    peakRssMb: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '')
      return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
    },
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
  }
}
