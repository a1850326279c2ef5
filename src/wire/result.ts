// The shared result type of every wire decoder: decoders never throw on peer input.
export type DecodeResult<T> = { ok: true, value: T } | { ok: false, reason: string }

export function ok<T> (value: T): DecodeResult<T> {
  return { ok: true, value }
}

export function fail<T = never> (reason: string): DecodeResult<T> {
  return { ok: false, reason }
}

// fatal: true so that invalid UTF-8 is rejected instead of silently becoming U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Deeper than any message of ours nests: a task payload may nest 64 levels inside its frame's 6. */
export const MAX_JSON_NESTING = 128

/**
 * Parses JSON from bytes, refusing input larger than maxBytes or nested deeper than maxNesting
 * before parsing it: JSON.parse builds every level of a hostile nesting first (a 4 MiB frame of
 * "[" took over a second), a byte scan refuses it in milliseconds.
 */
export function parseJsonBounded (bytes: Uint8Array, maxBytes: number, maxNesting = MAX_JSON_NESTING): DecodeResult<unknown> {
  if (bytes.byteLength > maxBytes) return fail(`message is ${bytes.byteLength} bytes, limit is ${maxBytes}`)
  if (!nestsAtMost(bytes, maxNesting)) return fail(`message: nested deeper than ${maxNesting} levels`)
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return fail('message is not valid UTF-8')
  }
  try {
    return ok(JSON.parse(text) as unknown)
  } catch (err) {
    return fail(`message is not valid JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Counts [ and { outside strings. UTF-8 multi-byte sequences never contain these ASCII bytes. */
function nestsAtMost (bytes: Uint8Array, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (inString) {
      if (c === 0x5c) i++ // backslash: the next byte is escaped
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return false
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return true
}

export function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A short, safe rendering of a rejected value for a reason text (never echoes a long string). */
export function preview (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'object' && value !== null) return 'an object'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  return String(value)
}
