// npm run bench:cache — what result caching buys on a workload of repeats. Three node processes
// on 127.0.0.1 (mDNS off); this process submits `sha256` tasks over their HTTP endpoints (round
// robin, WINDOW in flight). Nine tasks in ten repeat an earlier payload. Each run submits the
// same sequence twice: without caching, then with `cache: true`, and checks that every cached
// answer equals the value the handler computed for that payload. Runs use fresh payloads, so no
// run is helped by an earlier one. BENCH_CACHE_TASKS and BENCH_CACHE_ROUNDS shrink the run.
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { randomInt, seededRng } from '../../src/core/random.js'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { CLI_PATH, type NodeProcess } from '../../src/harness/node-process.js'
import type { JsonValue, TaskResult } from '../../src/node/task-api.js'
import type { CacheStatus } from '../../src/node/status.js'
import { summarize, formatSpread } from './stats.js'

const TASKS = Number(process.env.BENCH_CACHE_TASKS ?? 1_000)
/** SHA-256 rounds per task: a few milliseconds of CPU, so that running a task costs something. */
const ROUNDS = Number(process.env.BENCH_CACHE_ROUNDS ?? 5_000)
/** One task in NEW_EVERY brings a new payload; the other nine repeat an earlier one (90% repeats). */
const NEW_EVERY = 10
const WINDOW = 32
const RUNS = 3
const SEED = 8

type Answer = TaskResult & { state: string }

/** Payload index per task: every NEW_EVERY-th task a new payload, the others one of the earlier ones at random. */
function workload (): number[] {
  const rng = seededRng(SEED)
  const seq: number[] = []
  let distinct = 0
  for (let i = 0; i < TASKS; i++) seq.push(i % NEW_EVERY === 0 ? distinct++ : randomInt(rng, 0, distinct - 1))
  return seq
}

interface RunResult { perSecond: number, values: Map<number, string>, cachedAnswers: number, failed: string[] }

/** Submits the sequence with WINDOW requests in flight, spread over the nodes' endpoints. */
async function runOnce (nodes: NodeProcess[], seq: number[], salt: string, cache: boolean): Promise<RunResult> {
  const values = new Map<number, string>()
  const failed: string[] = []
  let cachedAnswers = 0
  let next = 0
  const lane = async (laneNo: number): Promise<void> => {
    while (next < seq.length) {
      const i = next++
      const index = seq[i]!
      const payload: JsonValue = { data: `${salt}-${index}`, rounds: ROUNDS }
      const through = nodes[(laneNo + i) % nodes.length]!
      const a = await through.submit<Answer>({ type: 'sha256', payload, options: cache ? { cache: true } : {} }).catch((err: unknown) => ({ ok: false, error: { code: 'request-error', message: String(err) } }) as Answer)
      if (!a.ok) {
        failed.push(`${a.error?.code ?? 'unknown'}: ${a.error?.message ?? ''}`)
        continue
      }
      if (a.cached === true) cachedAnswers++
      const text = JSON.stringify(a.value)
      const seen = values.get(index)
      if (seen === undefined) values.set(index, text)
      else if (seen !== text) failed.push(`payload ${index} answered ${text}, earlier ${seen}`)
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: WINDOW }, async (_, laneNo) => { await lane(laneNo) }))
  return { perSecond: seq.length / ((performance.now() - t0) / 1000), values, cachedAnswers, failed }
}

async function cacheTotals (cluster: LocalCluster): Promise<{ hits: number, misses: number, entries: number, bytes: number, evictions: number }> {
  const caches = (await cluster.statuses()).map(s => s?.cache).filter((c): c is CacheStatus => c != null)
  const sum = (k: 'hits' | 'misses' | 'entries' | 'bytes' | 'evictions'): number => caches.reduce((n, c) => n + c[k], 0)
  return { hits: sum('hits'), misses: sum('misses'), entries: sum('entries'), bytes: sum('bytes'), evictions: sum('evictions') }
}

const root = mkdtempSync(join(tmpdir(), 'mcp-bench-cache-'))
let cluster: LocalCluster | undefined
let stopping: Promise<void> | undefined
async function stop (): Promise<void> {
  stopping ??= (async () => {
    await cluster?.stop().catch(() => {})
    rmSync(root, { recursive: true, force: true })
  })()
  await stopping
}
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(sig, () => {
    process.stderr.write(`bench:cache interrupted by ${sig}: stopping the nodes and removing ${root}\n`)
    void stop().finally(() => process.exit(code))
  })
}

const report: Record<string, unknown> = {}
const loadAtStart = loadavg()[0]!
process.stderr.write(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}; load average (1 min) at start ${loadAtStart.toFixed(2)}\n`)
try {
  cluster = await LocalCluster.create({ nodes: 3, dir: join(root, 'cluster'), logLevel: 'warn' })
  cluster.start()
  await cluster.waitConverged(60_000)
  const seq = workload()
  const distinct = new Set(seq).size
  report.setup = { nodes: 3, tasks: TASKS, distinctPayloads: distinct, repeatRate: 1 - distinct / TASKS, rounds: ROUNDS, window: WINDOW, runs: RUNS, nodeProgram: CLI_PATH }
  process.stderr.write(`${TASKS} sha256 tasks of ${ROUNDS} rounds, ${distinct} distinct payloads (${(100 * (1 - distinct / TASKS)).toFixed(0)}% repeats), ${WINDOW} in flight over 3 HTTP endpoints; node processes run ${CLI_PATH}\n`)
  // Warm-up (not counted): JIT, connections, the first placements.
  await runOnce(cluster.nodes, seq.slice(0, 100), 'warm-up', false)
  await runOnce(cluster.nodes, seq.slice(0, 100), 'warm-up', true)

  const plain: number[] = []
  const cached: number[] = []
  const mismatches: string[] = []
  const failures: string[] = []
  let cachedAnswers = 0
  const before = await cacheTotals(cluster)
  for (let r = 1; r <= RUNS; r++) {
    const salt = `run${r}-${Date.now()}`
    const off = await runOnce(cluster.nodes, seq, salt, false)
    const on = await runOnce(cluster.nodes, seq, salt, true)
    plain.push(off.perSecond)
    cached.push(on.perSecond)
    cachedAnswers += on.cachedAnswers
    failures.push(...off.failed, ...on.failed)
    for (const [index, text] of on.values) if (off.values.get(index) !== text) mismatches.push(`payload ${index}: cached ${text}, handler ${off.values.get(index) ?? 'none'}`)
    process.stderr.write(`run ${r}/${RUNS}: without cache ${off.perSecond.toFixed(1)} tasks/s, with cache ${on.perSecond.toFixed(1)} tasks/s (${on.cachedAnswers} of ${TASKS} answered without running the handler)\n`)
  }
  const after = await cacheTotals(cluster)
  const off = summarize(plain)
  const on = summarize(cached)
  const ratio = Math.round(100 * on.median / off.median) / 100
  const workerCache = { hits: after.hits - before.hits, misses: after.misses - before.misses, entries: after.entries, bytes: after.bytes, evictions: after.evictions }
  report.throughput = { withoutCache: off, withCache: on, runs: { withoutCache: plain, withCache: cached }, ratio }
  report.cache = { answeredWithoutHandler: cachedAnswers, ofTasks: RUNS * TASKS, workerCache }
  report.check = { failures: failures.length, mismatches: mismatches.length, examples: [...failures, ...mismatches].slice(0, 5) }
  process.stderr.write('\n' +
    `without cache   ${formatSpread(off, 'tasks/s')}\n` +
    `with cache      ${formatSpread(on, 'tasks/s')}\n` +
    `ratio           ${ratio.toFixed(2)} (medians of ${RUNS} runs, min-max in brackets)\n` +
    `answered without running the handler: ${cachedAnswers} of ${RUNS * TASKS} cached-mode tasks; worker caches: ${workerCache.hits} hits, ${workerCache.misses} misses, ${workerCache.evictions} evictions\n` +
    `failures: ${failures.length}; cached answers that differ from the handler's: ${mismatches.length}\n`)
  if (failures.length > 0 || mismatches.length > 0) {
    process.stderr.write([...failures, ...mismatches].slice(0, 5).map(e => `  e.g. ${e}\n`).join(''))
    process.exitCode = 1
  }
} catch (err) {
  report.error = err instanceof Error ? err.message : String(err)
  process.stderr.write(`bench:cache FAILED: ${String(report.error)}\n`)
  process.exitCode = 1
} finally {
  await stop()
}
report.machine = { cores: availableParallelism(), cpu: cpus()[0]?.model, node: process.version, loadAvg1: { start: loadAtStart, end: loadavg()[0] } }
process.stdout.write(JSON.stringify(report) + '\n')
setTimeout(() => process.exit(), 5000).unref()
