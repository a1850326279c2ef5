// A binary min-heap of timed actions for the discrete-event simulation. Ties fire in insertion
// order, so a run is a pure function of its seed.
interface Entry {
  at: number
  seq: number
  fire: () => void
}

export class EventQueue {
  private readonly heap: Entry[] = []
  private seq = 0

  get size (): number {
    return this.heap.length
  }

  push (at: number, fire: () => void): void {
    const heap = this.heap
    heap.push({ at, seq: this.seq++, fire })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i]!, heap[parent]!)) break
      swap(heap, i, parent)
      i = parent
    }
  }

  /** Time of the next action, or Infinity when none is left. */
  peekTime (): number {
    return this.heap[0]?.at ?? Infinity
  }

  pop (): Entry | undefined {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined || heap.length === 0) return top
    heap[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r
      if (m === i) break
      swap(heap, i, m)
      i = m
    }
    return top
  }
}

function before (a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

function swap (heap: Entry[], i: number, j: number): void {
  const t = heap[i]!
  heap[i] = heap[j]!
  heap[j] = t
}
