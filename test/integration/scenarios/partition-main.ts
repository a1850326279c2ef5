// Runs INSIDE the LAN's bridge namespace (see election.test.ts): three nodes discover each
// other by mDNS on the namespace LAN; the master's data link is cut; we observe both sides
// over the control links; then heal. Prints a PartitionResult as JSON.
import '../../../src/polyfill.js'
import { LocalCluster } from '../../../src/harness/local-cluster.js'
import { NetnsLan } from '../../../src/harness/lan.js'
import { waitFor } from '../../../src/harness/node-process.js'
import { agreedMaster, type MasterView } from './election.js'

export interface PartitionResult {
  before: MasterView
  majorityMaster: MasterView
  minorityMaster: MasterView | null
  healedMaster: MasterView
}

const prefix = process.argv[2]
if (prefix != null) {
  const lan = NetnsLan.attach(prefix, 3)
  const cluster = await LocalCluster.create({ nodes: 3, lan, discovery: 'mdns' })
  try {
    cluster.start()
    const statuses = await cluster.waitConverged(60_000)
    const before = { id: statuses[0]!.master!.id, epoch: statuses[0]!.master!.epoch }
    const mi = statuses.findIndex(s => s.self.id === before.id)
    const minority = cluster.nodes[mi]!
    const majority = cluster.nodes.filter((_, i) => i !== mi)
    lan.isolate(mi + 1)
    const majorityMaster = await waitFor('the majority to elect a new master', async () => {
      const m = await agreedMaster(majority)
      return m != null && m.id !== before.id ? m : undefined
    }, 20_000)
    // By now the old master's lease has long expired on its own clock.
    await new Promise(resolve => setTimeout(resolve, 1500))
    const ms = await minority.status()
    const minorityMaster = ms?.master == null ? null : { id: ms.master.id, epoch: ms.master.epoch }
    lan.heal(mi + 1)
    const healedMaster = await waitFor('one master for all after healing', async () => await agreedMaster(cluster.nodes), 30_000)
    const result: PartitionResult = { before, majorityMaster, minorityMaster, healedMaster }
    process.stdout.write(JSON.stringify(result) + '\n')
  } catch (err) {
    process.stderr.write(`partition scenario failed: ${err instanceof Error ? err.message : String(err)}\n(logs in ${cluster.dir})\n`)
    process.exitCode = 1
  } finally {
    await cluster.stop()
    if (process.exitCode !== 1) cluster.cleanup()
  }
}
