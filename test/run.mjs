#!/usr/bin/env node
// Runs the compiled test files with node's test runner: pure/unit suites in parallel first,
// then the integration suites one at a time (they start real processes and compete for 2 cores).
// Usage: node test/run.mjs [unit|integration] [filter-substring]
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

const root = new URL('../dist/test/', import.meta.url).pathname
const [which = 'all', filter = ''] = process.argv.slice(2)

function find (dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...find(p))
    else if (name.endsWith('.test.js') && p.includes(filter)) out.push(p)
  }
  return out.sort()
}

const all = find(root)
const integration = all.filter(f => f.includes('/integration/'))
const unit = all.filter(f => !integration.includes(f))

function run (files, concurrency) {
  if (files.length === 0) return 0
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' })
  return r.status ?? 1
}

let status = 0
if (which === 'all' || which === 'unit') status ||= run(unit, 2)
if (which === 'all' || which === 'integration') status ||= run(integration, 1)
process.exit(status)
