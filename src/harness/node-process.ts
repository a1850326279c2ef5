// One node as a child process of the same binary: used by the demo, the integration tests,
// the benchmarks and the chaos harness. Logs go to a file in the node's directory.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClusterStatus } from '../node/status.js'

/**
 * The program a node process runs: MCP_NODE_BIN if set, else the bundle `npm run build` makes
 * (one file: starts 3x faster and uses less memory than the module tree), else the compiled CLI.
 */
export const CLI_PATH = ((): string => {
  if (process.env.MCP_NODE_BIN != null) return process.env.MCP_NODE_BIN
  const self = fileURLToPath(import.meta.url)
  if (self.endsWith('mcp-cluster.mjs')) return self // running inside the bundle
  const bundle = fileURLToPath(new URL('../../mcp-cluster.mjs', import.meta.url))
  return existsSync(bundle) ? bundle : fileURLToPath(new URL('../cli/main.js', import.meta.url))
})()

export interface NodeProcessSpec {
  name: string
  dir: string
  /** Arguments after `start`. */
  args: string[]
  /** A command prefix, e.g. ['ip', 'netns', 'exec', 'lan-n1'] to run inside a namespace. */
  wrap?: string[]
  /** The HTTP endpoint the node was told to serve (host:port), for status polling. */
  http?: string
  /** The token its HTTP endpoint requires (when bound beyond loopback). */
  httpToken?: string
  env?: Record<string, string>
  /** Extra arguments for node itself, e.g. ['--cpu-prof'] when profiling. */
  nodeArgs?: string[]
}

export class NodeProcess {
  private child?: ChildProcess
  private exited?: Promise<number | null>
  readonly logFile: string

  constructor (readonly spec: NodeProcessSpec) {
    mkdirSync(spec.dir, { recursive: true })
    this.logFile = join(spec.dir, 'node.log')
  }

  get pid (): number | undefined { return this.child?.pid }
  get alive (): boolean { return this.child != null && this.child.exitCode == null && this.child.signalCode == null }

  start (): void {
    // Same V8 flag and malloc setting as the CLI's shebang, since the harness runs node directly.
    const argv = [...(this.spec.wrap ?? []), process.execPath, '--max-semi-space-size=4', ...(this.spec.nodeArgs ?? []), CLI_PATH, 'start', ...this.spec.args]
    const log = createWriteStream(this.logFile, { flags: 'a' })
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { MALLOC_ARENA_MAX: '2', ...process.env, MCP_EXIT_WITH_PARENT: '1', ...this.spec.env }
    })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    this.child = child
    this.exited = new Promise(resolve => child.once('exit', (code) => { resolve(code) }))
  }

  signal (sig: NodeJS.Signals): void {
    if (this.alive) this.child!.kill(sig)
  }

  /** Stop gracefully (SIGTERM), then SIGKILL after graceMs. */
  async stop (graceMs = 3000): Promise<void> {
    if (!this.alive) return
    this.child!.kill('SIGCONT') // a paused node cannot handle SIGTERM
    this.child!.kill('SIGTERM')
    const timer = setTimeout(() => { this.signal('SIGKILL') }, graceMs)
    await this.exited
    clearTimeout(timer)
  }

  async waitExit (): Promise<number | null> {
    return await (this.exited ?? Promise.resolve(null))
  }

  async status (timeoutMs = 1000): Promise<ClusterStatus | undefined> {
    if (this.spec.http == null) return undefined
    try {
      const res = await this.request('GET', '/status', undefined, timeoutMs)
      return res.ok ? await res.json() as ClusterStatus : undefined
    } catch {
      return undefined
    }
  }

  /** Submit a task through this node's HTTP endpoint and wait for its final result. */
  async submit<T = { ok: boolean, attempts: number, error?: { code: string, message: string } }> (body: unknown, timeoutMs = 120_000): Promise<T> {
    const res = await this.request('POST', '/tasks', body, timeoutMs)
    return await res.json() as T
  }

  private async request (method: string, path: string, body: unknown, timeoutMs: number): Promise<Response> {
    return await fetch(`http://${this.spec.http!}${path}`, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.spec.httpToken != null ? { authorization: `Bearer ${this.spec.httpToken}` } : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
  }
}

/** Ports that were free a moment ago on 127.0.0.1 (the OS picks them). */
export async function freePorts (n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, async () => await new Promise<import('node:net').Server>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { resolve(s) })
  })))
  const ports = servers.map(s => (s.address() as import('node:net').AddressInfo).port)
  await Promise.all(servers.map(async s => await new Promise(resolve => s.close(resolve))))
  return ports
}

export async function waitFor<T> (what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}
