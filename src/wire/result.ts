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
