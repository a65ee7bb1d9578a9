import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { findFreePort } from '../../plugins/db/embedded.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * The environment of a server process: nothing inherited but PATH. NODE_V8_COVERAGE, which Node would
 * otherwise pass on, is blanked: the server runs through tsx, whose output differs from the test
 * processes' and would garble the merged coverage.
 */
export const SERVER_PROCESS_ENV = { PATH: process.env.PATH ?? '', NODE_V8_COVERAGE: '' }

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
    env: { ...SERVER_PROCESS_ENV, NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: t.testdir(), ...env },
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
