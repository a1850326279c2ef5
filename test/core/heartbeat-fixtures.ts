import type { Heartbeat } from '../../src/core/membership/heartbeat.js'

/** A minimal valid heartbeat from `id`: a worker with one slot, idle, no claim; patch the rest. */
export function plainHeartbeat (patch: Partial<Heartbeat> & Pick<Heartbeat, 'id'>): Heartbeat {
  return {
    incarnation: 1,
    seq: 1,
    version: '0.1.0',
    addrs: [],
    role: 'worker',
    capacity: { slots: 1, cpus: 1, memTotalBytes: 1, memFreeBytes: 1, resources: {}, labels: {} },
    load: { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 },
    handlers: [],
    cluster: { voters: null, proposal: null, epoch: 0, master: null },
    ...patch
  }
}
