// Sift operations for array-backed binary heaps, shared by the task queue and its ordered walk.

/** True when `a` must come out of the heap before `b`. */
export type Before<T> = (a: T, b: T) => boolean

/** Called whenever an item lands at a new index, so a heap can keep an id -> index map. */
export type Moved<T> = (item: T, index: number) => void

export function siftUp<T> (heap: T[], index: number, before: Before<T>, moved?: Moved<T>): void {
  const item = heap[index] as T
  let i = index
  while (i > 0) {
    const parentIndex = (i - 1) >> 1
    const parent = heap[parentIndex] as T
    if (!before(item, parent)) break
    heap[i] = parent
    moved?.(parent, i)
    i = parentIndex
  }
  heap[i] = item
  moved?.(item, i)
}

export function siftDown<T> (heap: T[], index: number, before: Before<T>, moved?: Moved<T>): void {
  const item = heap[index] as T
  const n = heap.length
  let i = index
  for (;;) {
    const left = 2 * i + 1
    if (left >= n) break
    const right = left + 1
    const child = right < n && before(heap[right] as T, heap[left] as T) ? right : left
    const childItem = heap[child] as T
    if (!before(childItem, item)) break
    heap[i] = childItem
    moved?.(childItem, i)
    i = child
  }
  heap[i] = item
  moved?.(item, i)
}

/** Removes and returns the first item; the heap must not be empty. */
export function popFirst<T> (heap: T[], before: Before<T>): T {
  const first = heap[0] as T
  const last = heap.pop() as T
  if (heap.length > 0) {
    heap[0] = last
    siftDown(heap, 0, before)
  }
  return first
}
