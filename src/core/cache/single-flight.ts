// Coalescing on the master: while a task with some cache key is live (queued, placed or
// running), later tasks with the same key wait for it instead of running too. When it succeeds
// they all share its result; when it fails, the first waiter takes its place (the table decides).
import type { TaskId } from '../scheduler/types.js'

interface Flight {
  leader: TaskId
  /** In arrival order. */
  waiters: TaskId[]
}

export class SingleFlight {
  private readonly flights = new Map<string, Flight>()
  private readonly waitingOn = new Map<TaskId, string>()

  /** The live task that runs `key` for everyone, if any. */
  leaderOf (key: string): TaskId | undefined {
    return this.flights.get(key)?.leader
  }

  /** `id` runs `key`: later tasks with this key wait for it. The key must have no leader. */
  lead (key: string, id: TaskId): void {
    if (this.flights.has(key)) throw new Error(`cache key ${key} already has a leader`)
    this.flights.set(key, { leader: id, waiters: [] })
  }

  /** `id` waits for the leader of `key`, which must exist. */
  wait (key: string, id: TaskId): void {
    const flight = this.flights.get(key)
    if (flight === undefined) throw new Error(`cache key ${key} has no leader to wait for`)
    flight.waiters.push(id)
    this.waitingOn.set(id, key)
  }

  isWaiting (id: TaskId): boolean {
    return this.waitingOn.has(id)
  }

  /**
   * `id` finished (or stopped needing the flight). A leader ends its flight: its waiters are
   * returned, in arrival order, no longer registered. A waiter just stops waiting.
   */
  land (key: string, id: TaskId): TaskId[] {
    const flight = this.flights.get(key)
    if (flight?.leader === id) {
      this.flights.delete(key)
      for (const waiter of flight.waiters) this.waitingOn.delete(waiter)
      return flight.waiters
    }
    this.stopWaiting(id)
    return []
  }

  /** `id` no longer waits (it was cancelled, or found running elsewhere). */
  stopWaiting (id: TaskId): void {
    const key = this.waitingOn.get(id)
    if (key === undefined) return
    this.waitingOn.delete(id)
    const flight = this.flights.get(key)
    if (flight !== undefined) flight.waiters = flight.waiters.filter(w => w !== id)
  }

  /** Keys with a live leader, and tasks waiting on one. */
  get size (): { flights: number, waiting: number } {
    return { flights: this.flights.size, waiting: this.waitingOn.size }
  }
}
