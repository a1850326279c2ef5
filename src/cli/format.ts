// Plain-text rendering shared by CLI commands.
import type { ClusterStatus } from '../node/status.js'
import type { TasksAnswer } from '../node/http-routes.js'
import type { JsonValue, TaskResult } from '../node/task-api.js'
import { TASK_STATES, type AttemptView, type TaskState } from '../core/tasks/table-types.js'
import { explainDecision } from '../core/scheduler/explain.js'
import type { BatchProgress, BatchSummary } from './commands/submit.js'
import type { TaskAnswer } from './commands/tasks.js'

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
  const voters = `voters${s.configVersion > 0 ? ` (set v${s.configVersion})` : ''}: ${s.voters == null ? 'not agreed yet' : s.voters.map(shortId).join(', ')}` +
    (s.pendingVoters != null ? `\nchanging voters to: ${s.pendingVoters.map(shortId).join(', ')}` : '')
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

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function truncate (text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text
}

/** A settled task in one line, e.g. for `submit` on stderr. */
export function formatResultLine (r: TaskResult): string {
  const where = r.node === null ? '' : ` on ${shortId(r.node)}`
  if (r.ok) return `task ${r.id} done${where} after ${plural(r.attempts, 'attempt')}, ${Math.round(r.durationMs)} ms`
  return `task ${r.id} failed: ${r.error?.code ?? 'unknown'}: ${r.error?.message ?? ''} (${plural(r.attempts, 'attempt')}${r.node === null ? '' : `, last on ${shortId(r.node)}`})`
}

export function formatBatchProgress (p: BatchProgress): string {
  const finished = p.done + p.failed
  const rate = p.elapsedMs > 0 ? finished / (p.elapsedMs / 1000) : 0
  return `${finished}/${p.total} finished, ${p.failed} failed, ${p.started - finished} in flight, ${rate.toFixed(1)} tasks/s`
}

export function formatBatchSummary (s: BatchSummary): string {
  const lines = [`${plural(s.tasks, 'task')}: ${s.done} done, ${s.failed} failed`]
  for (const [code, f] of Object.entries(s.failures).sort((a, b) => b[1].count - a[1].count)) {
    lines.push(`  ${f.count} ${code}, e.g. ${truncate(f.example, 300)}`)
  }
  lines.push(`elapsed ${(s.elapsedMs / 1000).toFixed(2)} s, ${s.tasksPerSecond.toFixed(1)} tasks/s`)
  lines.push(`latency per request: median ${s.latencyMs.median.toFixed(1)} ms, p99 ${s.latencyMs.p99.toFixed(1)} ms, max ${s.latencyMs.max.toFixed(1)} ms`)
  return lines.join('\n')
}

/** Why the answering node could not tell more, and where to ask: `what` lives on the master. */
function askTheMaster (status: ClusterStatus, what: string, ifSelf: string): string {
  const self = status.self.id
  if (status.master === null) return `There is no master right now (election in progress or no quorum); ${what} once one is elected.`
  if (status.master.id === self) return ifSelf
  return `This node (${shortId(self)}) is not the master: ${what}, ${status.master.id}; ask its HTTP endpoint.`
}

function workerLine (w: TasksAnswer['worker']): string {
  return `as a worker: ${w.usedSlots}/${w.slots} slots used, ${w.running.length} running, ${plural(w.unackedResults, 'result')} not yet acknowledged by a master`
}

/** `mcp-cluster tasks`: the master's table and list, or this node's worker state and where the master is. */
export function formatTaskList (a: TasksAnswer, status: ClusterStatus, filter?: TaskState): string {
  const blocks: string[] = []
  if (a.table === null || a.tasks === null) {
    blocks.push(askTheMaster(status, 'the task list lives on the master',
      'This node is the master, but its task table is not ready (just elected, or its lease just ended); try again in a moment.'))
    const running = a.worker.running.map(r => [r.id, r.type, String(r.attempt), String(r.epoch)])
    blocks.push(`${workerLine(a.worker)}${running.length > 0 ? `\n${table(['RUNNING HERE', 'TYPE', 'ATTEMPT', 'EPOCH'], running)}` : ''}`)
    return blocks.join('\n\n')
  }
  const t = a.table
  blocks.push([
    `master ${shortId(status.self.id)} (this node), epoch ${t.epoch}, table ${t.phase}, ${t.queueLength} waiting for placement`,
    `tasks: ${TASK_STATES.map(s => `${t.states[s]} ${s}`).join(', ')}`,
    `counters: ${Object.entries(t.counters).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    workerLine(a.worker)
  ].join('\n'))
  const known = filter === undefined ? TASK_STATES.reduce((n, s) => n + t.states[s], 0) : t.states[filter]
  if (a.tasks.length === 0) {
    blocks.push(filter === undefined ? 'no tasks in the table' : `no ${filter} tasks in the table`)
  } else {
    const rows = a.tasks.map(x => [x.id, x.state, x.type ?? '-', String(x.attempts), x.node === null ? '-' : shortId(x.node)])
    const more = known > a.tasks.length ? `\n(the latest ${a.tasks.length} of ${known}${filter === undefined ? '' : ` ${filter}`})` : ''
    blocks.push(table(['ID', 'STATE', 'TYPE', 'ATTEMPTS', 'NODE'], rows) + more)
  }
  return blocks.join('\n\n')
}

function attemptOutcome (a: AttemptView): string {
  if (a.outcome === null) return a.startedAt === null ? 'placed, not started yet' : 'running'
  return a.detail === null ? a.outcome : `${a.outcome} (${a.detail})`
}

type ResultLike = Pick<TaskResult, 'ok' | 'attempts' | 'node' | 'durationMs' | 'cached'> & { value?: JsonValue, error?: { code: string, message: string } }

function resultLine (r: ResultLike): string {
  const value = truncate(JSON.stringify(r.value ?? null), 500)
  // A cached or shared answer ran no handler for this task: "after 0 attempts" would mislead.
  if (r.ok && r.cached === true) return `result: ok, served from the cache of ${r.node ?? 'no node'} (or shared with an identical task), no handler ran: ${value}`
  if (r.ok) return `result: ok after ${plural(r.attempts, 'attempt')} on ${r.node ?? 'no node'}, ${Math.round(r.durationMs)} ms: ${value}`
  return `result: failed after ${plural(r.attempts, 'attempt')}${r.node === null ? '' : ` (last on ${r.node})`}: ${r.error?.code ?? 'unknown'}: ${r.error?.message ?? ''}`
}

/** `mcp-cluster tasks explain`: every attempt with its placement reasons, then the result. */
export function formatTaskExplanation (a: TaskAnswer, status: ClusterStatus): string {
  const lines: string[] = []
  const v = a.view
  const result: ResultLike | null = a.result ?? v?.result ?? null
  if (v !== undefined) {
    lines.push(`task ${v.id}: ${v.state}, type ${v.type ?? 'unknown'}, priority ${v.priority ?? 'unknown'}, submitted by ${v.submitter}`)
    if (a.viewFrom !== undefined) lines.push(`(placement record from the master ${shortId(a.viewFrom)}; this node is ${shortId(status.self.id)})`)
    for (const att of v.attempts) {
      lines.push(`attempt ${att.attempt} on ${att.node} at epoch ${att.epoch}: ${attemptOutcome(att)}`)
      if (att.decision === null) lines.push('  placed by an earlier master (learned from the worker after a failover): no placement details')
      else lines.push(...explainDecision(att.decision).map(l => `  ${l}`))
    }
    if (v.state === 'queued') lines.push(`waiting for placement${v.deferReason === null ? '' : ` (last round: ${v.deferReason})`}`)
  } else {
    lines.push(`task ${a.id}${a.pending ? ': submitted from this node, not finished yet' : ''}`)
  }
  if (result !== null) lines.push(resultLine(result))
  else if (v !== undefined) lines.push('result: not finished yet')
  if (v === undefined) lines.push(a.masterNote ?? formatWhereToExplain(status))
  return lines.join('\n')
}

/** Said when the answering node has no placement details for a task: which node does. */
export function formatWhereToExplain (status: ClusterStatus): string {
  return askTheMaster(status, 'placement details are kept by the master',
    'This node is the master but has no record of the task: check the id; or an earlier master placed it, or it finished longer ago than the retention window.')
}
