// npm run bench:tasks — what a task costs end to end, next to the transport's own limit.
// Three nodes on 127.0.0.1, mDNS off: two `mcp-cluster start` processes (one becomes master;
// the master runs tasks too) and a client node embedded in this process with slots 0, so
// every task goes client -> master -> (master or worker) -> master -> client. The same
// processes serve a bare length-prefixed echo protocol, measured from the same client to the
// master on one long-lived stream: the gap between the two is what the task path costs.
// BENCH_TASKS and BENCH_SEQUENTIAL shrink the run for a quick check.
import '../../src/polyfill.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, release, tmpdir, type } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { isDeepStrictEqual } from 'node:util'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import { pushable } from 'it-pushable'
import { createNode } from '../../src/node/create-node.js'
import type { ClusterNode } from '../../src/node/cluster-node.js'
import type { JsonValue, TaskResult } from '../../src/node/task-api.js'
import { ECHO_PROTOCOL } from '../../src/net/echo.js'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { CLI_PATH, waitFor, type NodeProcess } from '../../src/harness/node-process.js'
import { clockTicksPerSecond, cpuTicks } from '../../src/harness/proc-stats.js'
import { summarize, formatSpread, type Summary } from './stats.js'

const TASKS = Number(process.env.BENCH_TASKS ?? 20_000)
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2_000)
const WINDOW = 256
const RUNS = 3
const WARMUP = 1_000
/** Nothing succeeding for this long ends the run with an error instead of waiting it out.
 * Above the master's own deadline for a lost attempt (timeoutMs 30 s + 2 s grace), so a
 * recovered loss shows up as a slow outlier instead. */
const STALL_MS = 60_000
const MAX_HANDOVERS = 5

const payloadOf = (i: number): JsonValue => ({ seq: i, text: 'mcp-cluster task benchmark' })
const encoder = new TextEncoder()
const frameOf = (i: number): Uint8Array => encoder.encode(JSON.stringify(payloadOf(i)))

/** Everything the benchmark started; `stop` is safe to call twice and from a signal handler. */
class Bench {
  readonly root = mkdtempSync(join(tmpdir(), 'mcp-bench-tasks-'))
  processes?: LocalCluster
  client?: ClusterNode
  master?: NodeProcess
  worker?: NodeProcess
  /** Times the client won the election and was restarted to hand the lease to a process. */
  handovers = 0
  private stopping?: Promise<void>

  get clientNode (): ClusterNode { return this.client! }

  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      await this.client?.stop().catch(() => {})
      await this.processes?.stop().catch(() => {})
      rmSync(this.root, { recursive: true, force: true })
    })()
    await this.stopping
  }
}

async function startClient (b: Bench, listen: string, peers: string[]): Promise<void> {
  b.client = await createNode({ listen: [listen], mdns: false, peers, http: 'off', dataDir: join(b.root, 'client'), expect: 3, logLevel: 'warn', slots: 0 })
  await b.client.start()
}

const listenOf = (n: NodeProcess): string => n.spec.args[n.spec.args.indexOf('--listen') + 1]!

/** All three nodes see each other alive and name the same master; returns its id. */
async function agreedMaster (b: Bench): Promise<string> {
  return await waitFor('the three nodes to agree on a master', async () => {
    const st = [...await b.processes!.statuses(), b.clientNode.status()]
    const master = st[0]?.master?.id
    const agreed = master != null && st.every(s => s != null && s.master?.id === master && s.members.filter(m => m.state === 'alive').length === 3)
    return agreed ? master : undefined
  }, 60_000)
}

/**
 * The client starts first on an OS-chosen port; the processes get it as --peer. If the client
 * wins the election it stops gracefully (handing the lease over) and restarts with the same
 * identity and port, now dialling the processes itself.
 */
async function setUp (b: Bench): Promise<void> {
  await startClient(b, '/ip4/127.0.0.1/tcp/0', [])
  const clientAddr = b.clientNode.multiaddrs.find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))!
  b.processes = await LocalCluster.create({ nodes: 2, expect: 3, dir: join(b.root, 'cluster'), nodeArgsFor: () => ['--peer', clientAddr] })
  b.processes.start()
  let masterId = await agreedMaster(b)
  while (masterId === b.clientNode.id) {
    if (++b.handovers > MAX_HANDOVERS) throw new Error(`the embedded client won the election ${MAX_HANDOVERS} times in a row`)
    const old = masterId
    await b.clientNode.stop()
    await waitFor('a node process to take the lease', async () => {
      const st = await b.processes!.statuses()
      const m = st[0]?.master?.id
      return m != null && m !== old && st.every(s => s?.master?.id === m)
    }, 30_000)
    await startClient(b, clientAddr.split('/p2p/')[0]!, b.processes.nodes.map(listenOf))
    masterId = await agreedMaster(b)
  }
  const st = await b.processes.statuses()
  b.master = b.processes.nodes[st.findIndex(s => s?.self.id === masterId)]!
  b.worker = b.processes.nodes.find(n => n !== b.master)!
}

function cpuSeconds (pid: number): number {
  return cpuTicks(pid) / clockTicksPerSecond()
}

/** CPU use in % of one core: the master, the worker and this process (the client). */
interface CpuUse { master: number, worker: number, client: number }

/** Starts measuring; the returned function gives the use since then. */
function cpuMeter (b: Bench): () => CpuUse {
  const t0 = performance.now()
  const m0 = cpuSeconds(b.master!.pid!)
  const w0 = cpuSeconds(b.worker!.pid!)
  const c0 = process.cpuUsage()
  return () => {
    const wall = (performance.now() - t0) / 1000
    const c = process.cpuUsage(c0)
    const pct = (s: number): number => Math.round(100 * s / wall)
    return { master: pct(cpuSeconds(b.master!.pid!) - m0), worker: pct(cpuSeconds(b.worker!.pid!) - w0), client: pct((c.user + c.system) / 1e6) }
  }
}

/**
 * Fails `work` when its success count stops moving for STALL_MS. Counting failures as progress
 * would let a dead cluster drag on for hours: each task fails alone, after the submit timeout.
 */
async function guarded<T> (what: string, succeeded: () => number, work: Promise<T>): Promise<T> {
  let seen = -1
  let since = performance.now()
  let timer: NodeJS.Timeout | undefined
  const stalled = new Promise<never>((_resolve, reject) => {
    timer = setInterval(() => {
      const now = succeeded()
      if (now !== seen) { seen = now; since = performance.now(); return }
      if (performance.now() - since > STALL_MS) reject(new Error(`${what}: nothing succeeded for ${STALL_MS / 1000} s (${now} before that)`))
    }, 1000)
  })
  try {
    return await Promise.race([work, stalled])
  } finally {
    clearInterval(timer)
  }
}

/** What came back from the task path: failures by code, where tasks ran, and a few examples. */
class Tally {
  submitted = 0
  ok = 0
  readonly failed: Record<string, number> = {}
  readonly ranOn: Record<string, number> = {}
  readonly examples: string[] = []

  constructor (private readonly names: Map<string, string>) {}

  /** `expected` null: any echo of a payload is accepted, but each seq only once per batch. */
  count (r: TaskResult, expected: JsonValue | null, seen?: Uint8Array): void {
    const where = r.node == null ? 'nowhere' : this.names.get(r.node) ?? r.node
    this.ranOn[where] = (this.ranOn[where] ?? 0) + 1
    if (!r.ok) return this.fail(r.error?.code ?? 'unknown', `${r.id}: ${r.error?.code ?? ''} ${r.error?.message ?? ''} (attempts ${r.attempts}, node ${where})`)
    const seq = (r.value as { seq?: unknown } | null)?.seq
    const want = expected ?? (typeof seq === 'number' ? payloadOf(seq) : undefined)
    const fresh = seen == null || (typeof seq === 'number' && seen[seq] === 0)
    if (!fresh || !isDeepStrictEqual(r.value, want)) return this.fail('wrong-value', `${r.id}: returned ${JSON.stringify(r.value)}`)
    if (seen != null) seen[seq as number] = 1
    this.ok++
  }

  /** Submitted but never answered (only possible when a phase stalled). */
  get lost (): number {
    return this.submitted - this.ok - Object.values(this.failed).reduce((a, b) => a + b, 0)
  }

  toJSON (): object {
    return { submitted: this.submitted, ok: this.ok, failed: this.failed, lost: this.lost, ranOn: this.ranOn, examples: this.examples }
  }

  private fail (code: string, example: string): void {
    this.failed[code] = (this.failed[code] ?? 0) + 1
    if (this.examples.length < 5) this.examples.push(example)
  }
}

/** (a) TASKS echo tasks through submitMany with WINDOW in flight. */
async function taskThroughput (b: Bench, tally: Tally, n: number): Promise<{ perSecond: number, cpu: CpuUse }> {
  const items = function * (): Generator<{ type: string, payload: JsonValue }> {
    for (let i = 0; i < n; i++) {
      tally.submitted++
      yield { type: 'echo', payload: payloadOf(i) }
    }
  }
  const seen = new Uint8Array(n)
  const meter = cpuMeter(b)
  const t0 = performance.now()
  await guarded('task throughput', () => tally.ok, (async () => {
    for await (const r of b.clientNode.submitMany(items(), WINDOW)) tally.count(r, null, seen)
  })())
  const seconds = (performance.now() - t0) / 1000
  return { perSecond: n / seconds, cpu: meter() }
}

/**
 * `n` requests with `window` in flight (a closed loop); returns req/s and each request's latency.
 * `succeeded` counts what the stall guard sees as progress (default: every request that returned).
 */
async function closedLoop (what: string, n: number, window: number, request: (i: number) => Promise<void>, succeeded?: () => number): Promise<{ perSecond: number, latencyMs: number[] }> {
  const latencyMs: number[] = []
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++
      const t = performance.now()
      await request(i)
      latencyMs.push(performance.now() - t)
    }
  }
  const t0 = performance.now()
  await guarded(what, succeeded ?? (() => latencyMs.length), Promise.all(Array.from({ length: window }, lane)))
  return { perSecond: n / ((performance.now() - t0) / 1000), latencyMs }
}

/** One long-lived echo stream. Replies come back in order, so a FIFO of waiters matches them. */
class EchoStream {
  private readonly out = pushable<Uint8Array>()
  private readonly waiting: Array<{ resolve: (frame: Uint8Array) => void, reject: (err: Error) => void }> = []
  private failure?: Error
  mismatches = 0

  static async open (node: ClusterNode, peer: string): Promise<EchoStream> {
    return new EchoStream(await node.p2p!.dialProtocol(peerIdFromString(peer), ECHO_PROTOCOL))
  }

  private constructor (stream: Stream) {
    pipe(this.out, (src) => lp.encode(src), stream.sink).catch((err: unknown) => { this.fail(err) })
    pipe(stream.source, (src) => lp.decode(src), async (frames) => {
      for await (const f of frames) this.waiting.shift()?.resolve(f.subarray())
    }).then(() => { this.fail(new Error('echo stream closed by the remote')) }, (err: unknown) => { this.fail(err) })
  }

  async request (i: number): Promise<void> {
    if (this.failure != null) throw this.failure
    const frame = frameOf(i)
    const back = await new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.out.push(frame)
    })
    if (Buffer.compare(back, frame) !== 0) this.mismatches++
  }

  close (): void { this.out.end() }

  private fail (err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err))
    for (const w of this.waiting.splice(0)) w.reject(this.failure)
  }
}

function machine (): string {
  return `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}, ${type()} ${release()}`
}

const ratio = (a: number, b: number): number => Math.round(100 * a / b) / 100
const ms = (x: number): string => `${x.toFixed(2)} ms`

async function measure (b: Bench, report: Record<string, unknown>): Promise<void> {
  await setUp(b)
  const masterId = (await b.master!.status())!.self.id
  const workerId = (await b.worker!.status())!.self.id
  const names = new Map([[masterId, 'master'], [workerId, 'worker'], [b.clientNode.id, 'client']])
  const tally = new Tally(names)
  report.tasks = tally
  report.setup = { master: masterId, worker: workerId, client: b.clientNode.id, clientHandovers: b.handovers, payloadBytes: frameOf(0).length, window: WINDOW, tasks: TASKS, sequential: SEQUENTIAL, nodeProgram: CLI_PATH }
  process.stderr.write(`cluster: master ${masterId.slice(-8)} (pid ${b.master!.pid!}), worker ${workerId.slice(-8)} (pid ${b.worker!.pid!}), embedded client ${b.clientNode.id.slice(-8)} with slots 0; ` +
    `the client won the election ${b.handovers} time(s), each time restarted to hand the lease to a process; node processes run ${CLI_PATH}\n`)

  const echo = await EchoStream.open(b.clientNode, masterId)
  try {
    process.stderr.write(`warm-up: ${WARMUP} tasks and ${WARMUP} bare requests (not counted)\n`)
    const warmUp = new Tally(names)
    report.warmUpTasks = warmUp
    await taskThroughput(b, warmUp, WARMUP)
    await closedLoop('bare warm-up', WARMUP, WINDOW, async i => { await echo.request(i) })
    process.stderr.write(`warm-up tasks: ${warmUp.ok} ok, failed ${JSON.stringify(warmUp.failed)}\n`)

    const taskRates: number[] = []
    const bareRates: number[] = []
    const cpu: CpuUse[] = []
    const bareCpu: CpuUse[] = []
    for (let r = 1; r <= RUNS; r++) {
      const t = await taskThroughput(b, tally, TASKS)
      const bareMeter = cpuMeter(b)
      const bare = await closedLoop('bare throughput', TASKS, WINDOW, async i => { await echo.request(i) })
      const bareUse = bareMeter()
      taskRates.push(t.perSecond)
      bareRates.push(bare.perSecond)
      cpu.push(t.cpu)
      bareCpu.push(bareUse)
      process.stderr.write(`run ${r}/${RUNS}: tasks ${t.perSecond.toFixed(0)}/s, bare ${bare.perSecond.toFixed(0)}/s; ` +
        `CPU (% of a core) during tasks: master ${t.cpu.master}, worker ${t.cpu.worker}, client ${t.cpu.client}; during bare: master ${bareUse.master}, client ${bareUse.client}\n`)
    }
    const throughput = { task: summarize(taskRates), bare: summarize(bareRates) }
    report.throughput = { perSecond: throughput, runs: { task: taskRates, bare: bareRates }, ratio: ratio(throughput.task.median, throughput.bare.median), cpuPercent: { tasks: cpu, bare: bareCpu } }

    const seqTask = await closedLoop('sequential tasks', SEQUENTIAL, 1, async i => {
      tally.submitted++
      tally.count(await b.clientNode.run('echo', payloadOf(i)), payloadOf(i))
    }, () => tally.ok)
    const seqBare = await closedLoop('sequential bare requests', SEQUENTIAL, 1, async i => { await echo.request(i) })
    const latency = { task: summarize(seqTask.latencyMs), bare: summarize(seqBare.latencyMs) }
    report.latency = { ms: latency, ratio: { median: ratio(latency.task.median, latency.bare.median), p99: ratio(latency.task.p99, latency.bare.p99), max: ratio(latency.task.max, latency.bare.max) } }
    report.bareMismatches = echo.mismatches
    printTable(throughput, latency, { task: cpu, bare: bareCpu }, tally, echo.mismatches)
  } finally {
    echo.close()
  }
}

function printTable (tp: { task: Summary, bare: Summary }, lat: { task: Summary, bare: Summary }, cpu: { task: CpuUse[], bare: CpuUse[] }, tally: Tally, bareMismatches: number): void {
  const row = (name: string, task: string, bare: string, r = ''): string => `${name.padEnd(36)}${task.padEnd(30)}${bare.padEnd(30)}${r}\n`
  const x = (a: number, b: number): string => (a / b).toFixed(2)
  const use = (runs: CpuUse[], k: keyof CpuUse): string => `${summarize(runs.map(c => c[k])).median}%`
  process.stderr.write('\n' +
    row('', 'task, submitted to the master', '(c) bare stream, to master', 'task/bare') +
    row(`(a) ${TASKS} echo, ${WINDOW} in flight`, formatSpread(tp.task, '/s'), formatSpread(tp.bare, '/s'), x(tp.task.median, tp.bare.median)) +
    row('    CPU (% of one core): master', use(cpu.task, 'master'), use(cpu.bare, 'master')) +
    row('                         worker', use(cpu.task, 'worker'), use(cpu.bare, 'worker')) +
    row('                         client', use(cpu.task, 'client'), use(cpu.bare, 'client')) +
    row(`(b) ${SEQUENTIAL} sequential: median`, ms(lat.task.median), ms(lat.bare.median), x(lat.task.median, lat.bare.median)) +
    row('                       p99', ms(lat.task.p99), ms(lat.bare.p99), x(lat.task.p99, lat.bare.p99)) +
    row('                       max', ms(lat.task.max), ms(lat.bare.max), x(lat.task.max, lat.bare.max)) +
    `(a): median of ${RUNS} runs (min-max), task and bare runs interleaved; CPU: median over the runs\n` +
    `tasks ran on: ${JSON.stringify(tally.ranOn)}\n` +
    `tasks: ${tally.submitted} submitted (warm-up excluded), ${tally.ok} ok, failed ${JSON.stringify(tally.failed)}, lost ${tally.lost}; bare echo mismatches: ${bareMismatches}\n` +
    tally.examples.map(e => `  e.g. ${e}\n`).join(''))
}

const bench = new Bench()
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(sig, () => {
    process.stderr.write(`bench:tasks interrupted by ${sig}: stopping the nodes and removing ${bench.root}\n`)
    void bench.stop().finally(() => process.exit(code))
  })
}
// Other processes on the machine take CPU from the nodes: the load average says how much.
const loadAtStart = loadavg()[0]!
process.stderr.write(`machine: ${machine()}; load average (1 min) at start ${loadAtStart.toFixed(2)}\n`)
const report: Record<string, unknown> = {}
try {
  await measure(bench, report)
} catch (err) {
  report.error = err instanceof Error ? err.message : String(err)
  process.stderr.write(`bench:tasks FAILED: ${String(report.error)}\n`)
  process.exitCode = 1
} finally {
  // Freeze the counts first: stopping the client settles whatever is in flight as node-stopped.
  for (const [key, value] of Object.entries(report)) if (value instanceof Tally) report[key] = value.toJSON()
  await bench.stop()
}
const loadAtEnd = loadavg()[0]!
process.stderr.write(`load average (1 min) at end ${loadAtEnd.toFixed(2)}\n`)
report.machine = { cores: availableParallelism(), cpu: cpus()[0]?.model, node: process.version, loadAvg1: { start: loadAtStart, end: loadAtEnd } }
process.stdout.write(JSON.stringify(report) + '\n')
// A safety net: the benchmark must end by itself even if a stopped node leaves a handle open.
setTimeout(() => process.exit(), 5000).unref()
