// Message sizing, so that the state machines never emit a message too big for one frame.

/**
 * Budget for one message: below the wire's 4 MiB frame limit with room for the frame envelope
 * (a test in test/wire checks the relation).
 */
export const MESSAGE_BUDGET_BYTES = 3 * 1024 * 1024

/** Most items (tasks, ids, results) put in one message. */
export const MESSAGE_MAX_ITEMS = 1024

/** UTF-8 byte length of a value's JSON text. */
export function jsonBytes (value: unknown): number {
  return utf8Bytes(JSON.stringify(value) ?? 'null')
}

/** UTF-8 byte length of a string. */
export function utf8Bytes (text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xD800 && c <= 0xDBFF) { bytes += 4; i++ } // surrogate pair: one 4-byte code point
    else bytes += 3
  }
  return bytes
}

/** Splits items into consecutive groups, each within maxBytes (by sizeOf) and maxItems. */
export function chunkBySize<T> (items: readonly T[], sizeOf: (item: T) => number, maxBytes = MESSAGE_BUDGET_BYTES, maxItems = MESSAGE_MAX_ITEMS): T[][] {
  const chunks: T[][] = []
  let current: T[] = []
  let currentBytes = 0
  for (const item of items) {
    const size = sizeOf(item)
    if (current.length > 0 && (currentBytes + size > maxBytes || current.length >= maxItems)) {
      chunks.push(current)
      current = []
      currentBytes = 0
    }
    current.push(item)
    currentBytes += size
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}
