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

/** Parses JSON from bytes, refusing input larger than maxBytes before looking at it. */
export function parseJsonBounded (bytes: Uint8Array, maxBytes: number): DecodeResult<unknown> {
  if (bytes.byteLength > maxBytes) return fail(`message is ${bytes.byteLength} bytes, limit is ${maxBytes}`)
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
