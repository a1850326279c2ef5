// Samples this process's capacity and load for the heartbeat.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import os from 'node:os'
import type { Capacity, Load } from '../core/types.js'

export class LocalLoad {
  private readonly histogram: IntervalHistogram

  constructor (private readonly base: { slots: number, cpus: number, memoryBytes: number, resources: Record<string, number>, labels: Record<string, string> }) {
    this.histogram = monitorEventLoopDelay({ resolution: 20 })
    this.cap = this.measureCapacity()
  }

  start (): void { this.histogram.enable() }
  stop (): void { this.histogram.disable() }

  private cap: Capacity

  /**
   * As of the latest sample. The master reads every worker's capacity on each tick, and free
   * memory is a file read (/proc/meminfo): it is measured once per heartbeat instead.
   */
  capacity (): Capacity { return this.cap }

  private measureCapacity (): Capacity {
    return {
      slots: this.base.slots,
      cpus: this.base.cpus,
      memTotalBytes: this.base.memoryBytes,
      memFreeBytes: Math.min(this.base.memoryBytes, os.freemem()),
      resources: { ...this.base.resources },
      labels: { ...this.base.labels }
    }
  }

  private last: Load = { running: 0, queued: 0, eventLoopDelayMs: 0, loadAvg1: 0 }

  /** The latest sample, for status views (sampling resets the delay window). */
  get current (): Load { return this.last }

  /** Load since the previous sample: the event-loop delay is the p99 over that window. */
  sample (running: number, queued: number): Load {
    const p99 = this.histogram.percentile(99) / 1e6
    this.histogram.reset()
    this.cap = this.measureCapacity()
    this.last = {
      running,
      queued,
      eventLoopDelayMs: Number.isFinite(p99) ? Math.round(p99 * 10) / 10 : 0,
      loadAvg1: os.loadavg()[0] ?? 0
    }
    return this.last
  }
}
