// Entry point run INSIDE a private network namespace by discovery-mdns.test.ts: three nodes
// with mDNS on and no explicit peers. Prints the scenario's measurements as JSON.
import '../../../src/polyfill.js'
import { LocalCluster } from '../../../src/harness/local-cluster.js'
import { runMembershipScenario } from './membership.js'

const cluster = await LocalCluster.create({ nodes: 3, discovery: 'mdns', logLevel: 'info' })
try {
  const result = await runMembershipScenario(cluster)
  process.stdout.write(JSON.stringify(result) + '\n')
} catch (err) {
  process.stderr.write(`scenario failed: ${err instanceof Error ? err.message : String(err)} (logs in ${cluster.dir})\n`)
  process.exitCode = 1
} finally {
  await cluster.stop()
  if (process.exitCode !== 1) cluster.cleanup()
}
