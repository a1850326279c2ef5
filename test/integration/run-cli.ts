// The CLI as a user runs it: a child process of the same program the harness runs nodes with.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { CLI_PATH } from '../../src/harness/node-process.js'

export interface CliRun { code: number | null, stdout: string, stderr: string }

export interface CliChild {
  child: ChildProcessByStdio<null, Readable, Readable>
  /** Settles once the process has exited and its output is closed. */
  done: Promise<CliRun>
  /** Its stdout so far. */
  out: () => string
}

/** Start the CLI without waiting for it (to interrupt it, or to read it while it runs). */
export function startCli (...args: string[]): CliChild {
  const env = { ...process.env }
  delete env.MCP_HTTP // every call names its endpoint
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const done = new Promise<CliRun>(resolve => child.once('close', (code) => { resolve({ code, stdout, stderr }) }))
  return { child, done, out: () => stdout }
}

export async function runCli (...args: string[]): Promise<CliRun> {
  return await startCli(...args).done
}

/** `secret generate`, written to `path`; throws with the CLI's stderr if it fails. */
export function generateKey (path: string): string {
  const r = spawnSync(process.execPath, [CLI_PATH, 'secret', 'generate'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`secret generate exited ${String(r.status)}: ${r.stderr}`)
  writeFileSync(path, r.stdout)
  return r.stdout
}
