import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { findFreePort } from '../../plugins/db/embedded.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface RunningServer {
  baseUrl: string
  process: ChildProcess
  output: () => string
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** Starts `server.ts` as its own process, exactly as `npm start` does, and waits until it listens. */
export async function startServer (t: Test, env: Record<string, string>): Promise<RunningServer> {
  const port = await findFreePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'server.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })

  const deadline = Date.now() + 30_000
  while (!output.includes('Server listening')) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`)
    if (Date.now() > deadline) throw new Error(`server did not start in time:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal)
      return await exited
    }
  }
}
