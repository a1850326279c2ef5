// A local cluster for one test: started, converged, then stopped and removed whatever happens.
import { LocalCluster, type LocalClusterOptions } from '../../src/harness/local-cluster.js'
import type { ClusterStatus } from '../../src/node/status.js'

export async function withCluster (opts: LocalClusterOptions, fn: (c: LocalCluster, st: ClusterStatus[]) => Promise<void>): Promise<void> {
  const c = await LocalCluster.create(opts)
  c.start()
  try {
    await fn(c, await c.waitConverged(30_000))
  } finally {
    await c.stop()
    c.cleanup()
  }
}
