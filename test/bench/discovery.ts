// npm run bench:discovery — time from process start until every node sees all the others
// alive, by mDNS alone, for 3 and 10 nodes inside a private network namespace; and idle RSS.
// Re-runs itself under `unshare -n` (root needed): mDNS must never run in the default namespace.
import '../../src/polyfill.js'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { rssMiB } from '../../src/harness/proc-stats.js'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor } from '../../src/harness/node-process.js'
import { netnsUnavailable, runInPrivateNetns } from '../../src/harness/netns.js'
import { summarize, formatSummary } from './stats.js'

const IN_NETNS = process.env.MCP_BENCH_IN_NETNS === '1'

/** When a node's log shows it has seen all n-1 others join after `spawnedAt` (ms since then). */
function allSeenAt (logFile: string, n: number, spawnedAt: number): number | undefined {
  let text: string
  try { text = readFileSync(logFile, 'utf8') } catch { return undefined }
  const joined = new Set<string>()
  for (const line of text.split('\n')) {
    if (!line.includes('"member join"')) continue
    const rec = JSON.parse(line) as { time: number, member: string }
    if (rec.time < spawnedAt) continue
    joined.add(rec.member)
    if (joined.size >= n - 1) return rec.time - spawnedAt
  }
  return undefined
}

async function oneRun (n: number): Promise<{ perNode: number[], rss: number[], joinMs: number }> {
  const cluster = await LocalCluster.create({ nodes: n, discovery: 'mdns', logLevel: 'info', expect: 3 })
  try {
    const spawned = Date.now()
    cluster.start()
    const perNode = await waitFor('every node to see all others', () => {
      const t = cluster.nodes.map(node => allSeenAt(node.logFile, n, spawned))
      return t.every(x => x !== undefined) ? t as number[] : undefined
    }, 60_000, 25)
    await new Promise(resolve => setTimeout(resolve, 5000)) // settle, then measure idle memory
    const rss = cluster.nodes.map(node => rssMiB(node.pid!))
    // A node joining a running cluster: the everyday case on a LAN, where boxes do not all
    // start at once on the same two cores.
    const last = cluster.nodes[n - 1]!
    await last.stop()
    await new Promise(resolve => setTimeout(resolve, 500))
    const restarted = Date.now()
    last.start()
    const joinMs = await waitFor('the restarted node to see all others', () => allSeenAt(last.logFile, n, restarted), 60_000, 10)
    return { perNode, rss, joinMs }
  } finally {
    await cluster.stop()
    cluster.cleanup()
  }
}

async function inside (): Promise<void> {
  const plan: Array<[number, number]> = [[3, 5], [10, 3]]
  const report: Record<string, unknown> = {}
  for (const [n, runs] of plan) {
    const allSeen: number[] = []
    const slowest: number[] = []
    const rss: number[] = []
    const join: number[] = []
    for (let r = 0; r < runs; r++) {
      const res = await oneRun(n)
      allSeen.push(...res.perNode)
      slowest.push(Math.max(...res.perNode))
      rss.push(...res.rss)
      join.push(res.joinMs)
    }
    report[`${n} nodes`] = { runs, allSeenMs: summarize(allSeen), clusterConvergedMs: summarize(slowest), joinRunningClusterMs: summarize(join), idleRssMiB: summarize(rss) }
    process.stderr.write(`${n} nodes, ${runs} runs (all started at once on this machine's cores):\n` +
      `  per node, process start -> sees all others alive: ${formatSummary(summarize(allSeen), 'ms')}\n` +
      `  whole cluster (slowest node per run):             ${formatSummary(summarize(slowest), 'ms')}\n` +
      `  one node (re)joining the running cluster:         ${formatSummary(summarize(join), 'ms')}\n` +
      `  idle RSS per node after 5 s:                       ${formatSummary(summarize(rss), 'MiB')}\n`)
  }
  process.stdout.write(JSON.stringify(report) + '\n')
}

if (IN_NETNS) {
  await inside()
} else {
  const why = netnsUnavailable()
  if (why != null) {
    process.stderr.write(`bench:discovery needs a private network namespace for mDNS: ${why}\n`)
    process.exit(2)
  }
  process.stderr.write(`machine: ${(await import('node:os')).availableParallelism()} cores, Node ${process.version}\n`)
  const r = await runInPrivateNetns(fileURLToPath(import.meta.url), [], 600_000, { MCP_BENCH_IN_NETNS: '1' }, true)
  if (r.code !== 0) process.exit(r.code ?? 1)
}
