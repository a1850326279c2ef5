// Plain-text rendering shared by CLI commands.
import type { ClusterStatus } from '../node/status.js'

export function table (header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

export function shortId (id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id
}

function gib (bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)}G`
}

export function formatStatus (s: ClusterStatus): string {
  const master = s.master == null
    ? 'master: none (election in progress or no quorum)'
    : `master: ${shortId(s.master.id)}  epoch ${s.master.epoch}  lease ${Math.round(s.master.leaseRemainingMs)} ms left`
  const voters = `voters: ${s.voters == null ? 'not agreed yet' : s.voters.map(shortId).join(', ')}`
  const rows = s.members.map(m => [
    shortId(m.id) + (m.self ? ' (self)' : ''),
    m.state,
    m.role,
    `${m.load.running}/${m.capacity.slots}`,
    String(m.load.queued),
    `${m.capacity.cpus}`,
    `${gib(m.capacity.memFreeBytes)}/${gib(m.capacity.memTotalBytes)}`,
    `${m.load.eventLoopDelayMs}ms`,
    m.self ? '-' : `${m.lastSeenMs}ms`,
    Object.entries(m.capacity.labels).map(([k, v]) => `${k}=${v}`).join(',')
  ])
  return [
    `${master}\n${voters}${s.self.openCluster ? '\nwarning: open cluster (no --secret-file)' : ''}`,
    table(['NODE', 'STATE', 'ROLE', 'RUNNING', 'QUEUED', 'CPUS', 'MEM FREE', 'LOOP', 'LAST SEEN', 'LABELS'], rows)
  ].join('\n\n')
}
