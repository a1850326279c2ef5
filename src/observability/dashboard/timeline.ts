// The short in-memory history the dashboard and `top` draw: one sample per second, the
// masters this node has seen, and recent failures. Bounded ring buffers; times are wall-clock
// milliseconds (they are shown to people, never used to decide anything).

export interface Sample {
  /** Wall-clock time of the sample. */
  t: number
  /** Attempts per second the master placed (the cluster's throughput); null while this node is not the master. */
  placed: number | null
  /** Tasks per second this node ran to an end as a worker. */
  ran: number
  /** Tasks per second submitted through this node that settled (done or failed). */
  settled: number
  /** The master's queue length; null while this node is not the master. */
  queue: number | null
  /** Tasks running in the whole cluster, from the members' heartbeats. */
  running: number
}

export interface MasterChange {
  t: number
  /** The master this node believes holds the lease from `t` on; null: none (election, no quorum). */
  master: string | null
  epoch: number | null
}

export interface FailureEntry {
  t: number
  kind: 'task-failed' | 'attempt-timed-out' | 'worker-lost'
  /** The task, or null for a lost worker. */
  id: string | null
  /** The node it ran on (or the lost worker). */
  node: string | null
  code: string | null
  message: string
}

export interface TimelineSnapshot {
  samples: Sample[]
  masters: MasterChange[]
  failures: FailureEntry[]
}

interface TimelineLimits { samples: number, masters: number, failures: number }

/** Three minutes of samples, the last 50 master changes, the last 30 failures. */
const DEFAULT_TIMELINE_LIMITS: TimelineLimits = { samples: 180, masters: 50, failures: 30 }

export class Timeline {
  private readonly samples: Sample[] = []
  private readonly masters: MasterChange[] = []
  private readonly failures: FailureEntry[] = []

  constructor (private readonly limits: TimelineLimits = DEFAULT_TIMELINE_LIMITS) {}

  addSample (s: Sample): void {
    push(this.samples, s, this.limits.samples)
  }

  /** Records a change of master; the same master and epoch again is not a change. */
  masterChanged (t: number, master: string | null, epoch: number | null): void {
    const last = this.masters.at(-1)
    if (last !== undefined && last.master === master && last.epoch === epoch) return
    push(this.masters, { t, master, epoch }, this.limits.masters)
  }

  /** A task's final failure is reported by the master and by its submitter: keep it once. */
  failure (f: FailureEntry): void {
    if (f.id !== null && this.failures.some(x => x.kind === f.kind && x.id === f.id)) return
    push(this.failures, f, this.limits.failures)
  }

  snapshot (): TimelineSnapshot {
    return { samples: [...this.samples], masters: [...this.masters], failures: [...this.failures] }
  }
}

function push<T> (list: T[], item: T, limit: number): void {
  list.push(item)
  if (list.length > limit) list.splice(0, list.length - limit)
}
