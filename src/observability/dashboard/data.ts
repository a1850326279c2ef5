// GET /dashboard.json: everything the dashboard page and `mcp-cluster top` draw, as one node sees it.
import type { ClusterStatus } from '../../node/status.js'
import type { TimelineSnapshot } from './timeline.js'

export interface DashboardData {
  /** Wall-clock time of this answer on the serving node. */
  generatedAt: number
  /** The cluster as the serving node sees it (the same as GET /status). */
  status: ClusterStatus
  /** Connected peers and their round-trip time (null before libp2p's first ping). */
  peers: Array<{ id: string, rttMs: number | null }>
  timeline: TimelineSnapshot
}
