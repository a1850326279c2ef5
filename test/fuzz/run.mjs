#!/usr/bin/env node
// `npm run fuzz`: the fuzz suites with many cases each, then the count per target and the total.
// Usage: node test/fuzz/run.mjs [build-dir] (default dist). MCP_FUZZ_RUNS sets cases per target
// (default 6000: at least 100,000 in total); MCP_FUZZ_SEED replays a failure.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { spawnSync } from 'node:child_process'

const MIN_TOTAL = 100_000
const buildDir = resolve(process.argv[2] ?? new URL('../../dist', import.meta.url).pathname)
const suites = join(buildDir, 'test', 'fuzz')
const files = readdirSync(suites).filter(f => f.endsWith('.test.js')).sort().map(f => join(suites, f))

const work = mkdtempSync(join(tmpdir(), 'mcp-fuzz-'))
const report = join(work, 'counts.jsonl')
const started = Date.now()
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, MCP_FUZZ_RUNS: process.env.MCP_FUZZ_RUNS ?? '6000', MCP_FUZZ_REPORT: report }
})

const counts = new Map()
let lines = []
try { lines = readFileSync(report, 'utf8').split('\n').filter(Boolean) } catch {}
rmSync(work, { recursive: true, force: true })
for (const line of lines) {
  const { target, cases } = JSON.parse(line)
  counts.set(target, (counts.get(target) ?? 0) + cases)
}
const total = [...counts.values()].reduce((a, b) => a + b, 0)
const width = Math.max(...[...counts.keys()].map(k => k.length), 6)
console.log('\nfuzz cases per target')
for (const [target, cases] of [...counts].sort()) console.log(`  ${target.padEnd(width)}  ${String(cases).padStart(8)}`)
console.log(`  ${'total'.padEnd(width)}  ${String(total).padStart(8)}   (${((Date.now() - started) / 1000).toFixed(0)} s)`)

if (run.status !== 0) process.exit(run.status ?? 1)
if (total < MIN_TOTAL) {
  console.error(`only ${total} cases ran; npm run fuzz must run at least ${MIN_TOTAL} (raise MCP_FUZZ_RUNS)`)
  process.exit(1)
}
