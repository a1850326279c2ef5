// A node's history as JSON lines, for the chaos checker: one synchronous append per event so
// that a SIGKILL loses nothing already recorded. Off unless --event-log is given.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

export type HistoryEvent =
  | { type: 'start', incarnation: number }
  | { type: 'elected', epoch: number, leaseUntil: number }
  | { type: 'lease', epoch: number, leaseUntil: number }
  | { type: 'lost-lease' | 'stepped-down', epoch: number }
  | { type: 'assign-sent', epoch: number, to: string, tasks: Array<[string, number]> }
  | { type: 'order-accepted', epoch: number, from: string, ids: string[] }
  | { type: 'order-refused', epoch: number, from: string, reason: string, kind: string }
  | { type: 'task-start', id: string, attempt: number, epoch: number }
  | { type: 'task-end', id: string, attempt: number, ok: boolean, code?: string }
  | { type: 'worker-lost', node: string, requeued: number }

export interface EventSink {
  record: (e: HistoryEvent) => void
}

export const noEvents: EventSink = { record: () => {} }

export class EventLog implements EventSink {
  private fd: number

  constructor (path: string, private readonly node: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.fd = openSync(path, 'a')
  }

  record (e: HistoryEvent): void {
    if (this.fd < 0) return
    writeSync(this.fd, JSON.stringify({ t: Date.now(), node: this.node, ...e }) + '\n')
  }

  close (): void {
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
  }
}
