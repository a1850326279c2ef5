// Runs INSIDE the LAN's bridge namespace (see doctor.test.ts): three nodes find each other by
// mDNS; a voter that is not the master is cut off the data network; `doctor` runs on the master
// (majority side) and on the cut-off node (over the control links), then again after healing.
// Prints a PartitionDoctorResult as JSON.
import '../../../src/polyfill.js'
import { LocalCluster } from '../../../src/harness/local-cluster.js'
import { NetnsLan } from '../../../src/harness/lan.js'
import { waitFor, type NodeProcess } from '../../../src/harness/node-process.js'
import type { DoctorAnswer } from '../../../src/node/doctor-routes.js'
import { runCli } from '../run-cli.js'

export interface PartitionDoctorResult {
  isolated: string
  majority: { code: number | null, finding: string }
  minority: { code: number | null, finding: string, mdns: boolean }
  healed: { code: number | null, problems: string[] }
}

async function doctor (node: NodeProcess): Promise<{ code: number | null, answer: DoctorAnswer | null }> {
  const { code, stdout } = await runCli('doctor', '--json', '--http', node.spec.http!, '--http-token', node.spec.httpToken!)
  return { code, answer: stdout === '' ? null : JSON.parse(stdout) as DoctorAnswer }
}

function problems (a: DoctorAnswer | null): string[] {
  return (a?.findings ?? []).filter(f => f.severity === 'problem').map(f => f.what)
}

const prefix = process.argv[2]
if (prefix != null) {
  const lan = NetnsLan.attach(prefix, 3)
  const cluster = await LocalCluster.create({ nodes: 3, lan, discovery: 'mdns', logLevel: 'warn' })
  try {
    cluster.start()
    const statuses = await cluster.waitConverged(60_000)
    const mi = statuses.findIndex(s => s.self.id === s.master!.id)
    const ii = (mi + 1) % 3
    const isolatedId = statuses[ii]!.self.id
    lan.isolate(ii + 1)
    const short = isolatedId.slice(-8)
    const majority = await waitFor('the majority to name the cut-off voter', async () => {
      const r = await doctor(cluster.nodes[mi]!)
      const finding = problems(r.answer).find(w => w.startsWith(`voter ${short} `))
      return finding === undefined ? undefined : { code: r.code, finding }
    }, 30_000, 300)
    const minority = await waitFor('the cut-off node to report no quorum', async () => {
      const r = await doctor(cluster.nodes[ii]!)
      const finding = problems(r.answer).find(w => w.startsWith('no quorum'))
      return finding === undefined ? undefined : { code: r.code, finding, mdns: r.answer!.facts.mdns.enabled }
    }, 30_000, 300)
    lan.heal(ii + 1)
    // Reconnecting waits for the connector's back-off (at most 30 s) or a fresh mDNS answer.
    const healed = await waitFor('doctor to find the healed cluster healthy', async () => {
      const r = await doctor(cluster.nodes[ii]!)
      return r.code === 0 ? { code: r.code, problems: problems(r.answer) } : undefined
    }, 60_000, 500).catch(async () => {
      const r = await doctor(cluster.nodes[ii]!)
      return { code: r.code, problems: problems(r.answer) }
    })
    const result: PartitionDoctorResult = { isolated: isolatedId, majority, minority, healed }
    process.stdout.write(JSON.stringify(result) + '\n')
  } catch (err) {
    process.stderr.write(`doctor partition scenario failed: ${err instanceof Error ? err.message : String(err)}\n(logs in ${cluster.dir})\n`)
    process.exitCode = 1
  } finally {
    await cluster.stop()
    if (process.exitCode !== 1) cluster.cleanup()
  }
}
