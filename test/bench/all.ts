// npm run bench — every benchmark of the project, one after another (they would compete for the
// cores if run together), into one JSON file and a readable table of the headline figures.
// Each benchmark prints its progress on stderr and one JSON line on stdout; this runner keeps
// that line. BENCH_ONLY=tasks,placement runs a subset. Output: bench-results/latest.json.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { headlines, type BenchResults } from './headlines.js'

const BENCHES = ['placement', 'tasks', 'failover', 'discovery', 'memory', 'cache', 'scale', 'chaos'] as const
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean)

async function runOne (name: string): Promise<{ code: number | null, report: unknown, seconds: number }> {
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url))
  const started = Date.now()
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (b: Buffer) => { out += b.toString() })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  const last = out.trim().split('\n').filter(l => l.startsWith('{')).pop()
  let report: unknown = null
  try { report = last != null ? JSON.parse(last) : null } catch { report = null }
  return { code, report, seconds: Math.round((Date.now() - started) / 1000) }
}

const results: BenchResults = {
  machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadAvg1AtStart: loadavg()[0]! },
  startedAt: new Date().toISOString(),
  benches: {}
}
for (const name of BENCHES) {
  if (only != null && !only.includes(name)) continue
  process.stderr.write(`\n===== bench:${name} =====\n`)
  const r = await runOne(name)
  results.benches[name] = { exitCode: r.code, seconds: r.seconds, report: r.report }
  if (r.code !== 0) process.stderr.write(`bench:${name} exited with ${String(r.code)}\n`)
}

const dir = fileURLToPath(new URL('../../../bench-results/', import.meta.url))
mkdirSync(dir, { recursive: true })
writeFileSync(`${dir}latest.json`, JSON.stringify(results, null, 2) + '\n')
process.stdout.write(`\nmachine: ${results.machine.cores} cores (${results.machine.cpu}), Node ${results.machine.node}\n`)
for (const line of headlines(results)) process.stdout.write(line + '\n')
process.stdout.write(`\nall figures: bench-results/latest.json\n`)
process.exitCode = Object.values(results.benches).some(b => b.exitCode !== 0) ? 1 : 0
