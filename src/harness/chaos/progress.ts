// The progress line on stderr: redrawn in place on a terminal, one line every few seconds otherwise.

export interface Progress {
  phase: 'starting' | 'running' | 'draining' | 'checking'
  /** Since the load started. */
  elapsedMs: number
  durationMs: number
  /** Faults injected so far, by kind. */
  faults: Record<string, number>
  submitted: number
  done: number
  failed: number
  inFlight: number
  master: { name: string, epoch: number } | null
}

export function progressLine (p: Progress): string {
  const kinds = Object.entries(p.faults).map(([k, n]) => `${k} ${n}`).join(', ')
  const total = Object.values(p.faults).reduce((a, b) => a + b, 0)
  return `[${(p.elapsedMs / 1000).toFixed(0)}s/${(p.durationMs / 1000).toFixed(0)}s ${p.phase}] ` +
    `faults ${total}${kinds === '' ? '' : ` (${kinds})`} | tasks ${p.done} done, ${p.failed} failed, ${p.inFlight} in flight | ` +
    `master ${p.master == null ? 'none' : `${p.master.name} epoch ${p.master.epoch}`}`
}

export class ProgressPrinter {
  private lastLineAt = 0
  private drawn = false

  constructor (private readonly out: NodeJS.WritableStream & { isTTY?: boolean }, private readonly everyMs = 5000) {}

  show (p: Progress): void {
    if (this.out.isTTY === true) {
      this.out.write(`\r\x1b[K${progressLine(p)}`)
      this.drawn = true
    } else if (Date.now() - this.lastLineAt >= this.everyMs) {
      this.lastLineAt = Date.now()
      this.out.write(progressLine(p) + '\n')
    }
  }

  /** A line of its own (a fault, a phase), above the progress line. */
  log (line: string): void {
    this.out.write(this.drawn ? `\r\x1b[K${line}\n` : `${line}\n`)
    this.drawn = false
  }

  /** End the redrawn line, so that what follows starts on its own line. */
  finish (): void {
    if (this.drawn) this.out.write('\n')
    this.drawn = false
  }
}
