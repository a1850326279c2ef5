// The CLI as a user runs it: a child process of the same program the harness runs nodes with.
import { spawn } from 'node:child_process'
import { CLI_PATH } from '../../src/harness/node-process.js'

export interface CliRun { code: number | null, stdout: string, stderr: string }

export async function runCli (...args: string[]): Promise<CliRun> {
  const env = { ...process.env }
  delete env.MCP_HTTP // every call names its endpoint
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  return { code, stdout, stderr }
}
