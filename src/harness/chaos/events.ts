// The shapes of a chaos run's history. The nodes' events come from observability/event-log.ts;
// the client and the harness add their own, in the same JSON-lines form ({ t, node, type, ... }),
// so that the checker reads one merged, time-ordered list.
import type { Recorded } from '../history.js'

export type FaultKind = 'kill' | 'pause' | 'partition' | 'restart' | 'loss'

export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'partition', 'restart', 'loss']

/** Faults aimed at the master: each one is a failover the checker measures. */
export type MasterFaultKind = 'kill' | 'pause' | 'partition'

export const MASTER_FAULT_KINDS: readonly MasterFaultKind[] = ['kill', 'pause', 'partition']

/** What the load client recorded (node: 'client'). `via` is the peer id of the node it submitted through. */
export type ClientEvent =
  | { t: number, node: 'client', type: 'submit', id: string, via: string }
  | { t: number, node: 'client', type: 'result', id: string, ok: boolean, code?: string, attempts: number }
  /**
   * The request ended without a result. With `status` the node answered with an HTTP error
   * (it refused the task); `unreachable` means the connection was refused (the node never got
   * it); `abandoned` means the run was interrupted while it was open; otherwise the outcome is
   * unknown (the connection was cut, or the request was still open when the run ended).
   */
  | { t: number, node: 'client', type: 'request-error', id: string, reason: string, status?: number, unreachable?: boolean, abandoned?: boolean }

/**
 * What the harness did (node: 'harness'). `inject` starts a fault, `end` undoes it (resume,
 * heal, clear the link rules); a kill has no end, a later restart brings the node back.
 */
export interface FaultEvent {
  t: number
  node: 'harness'
  type: 'fault'
  kind: FaultKind
  phase: 'inject' | 'end'
  /** Peer id of the node hit. */
  target: string
  /** Its harness name (node1, node2, ...). */
  name: string
  /** Whether the target was the master when hit, and the epoch it held. */
  wasMaster: boolean
  epoch: number | null
  detail?: string
}

export type ChaosEvent = Recorded | ClientEvent | FaultEvent
