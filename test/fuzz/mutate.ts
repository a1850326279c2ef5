// What a broken or hostile peer makes of a valid message: flipped, inserted and deleted bytes,
// truncation, and values swapped for hostile ones (huge, negative, NaN-like, deeply nested,
// very long, prototype keys), as raw JSON text so that nesting JavaScript itself could not
// build or print still reaches the decoder.
import fc from 'fast-check'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

type ByteEdit =
  | { op: 'flip', at: number, bit: number }
  | { op: 'set', at: number, value: number }
  | { op: 'insert', at: number, bytes: Uint8Array }
  | { op: 'delete', at: number, length: number }
  | { op: 'truncate', at: number }
  | { op: 'repeat', at: number, length: number, times: number }

const at = fc.nat()
const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at, value: fc.constantFrom(0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x2d, 0x30, 0x39, 0xff, 0xc0, 0xed) }),
  fc.record({ op: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at }),
  fc.record({ op: fc.constant('repeat' as const), at, length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 64 }) })
)

export const byteEdits = fc.array(byteEdit, { minLength: 1, maxLength: 6 })

/** Applies edits in order; positions wrap around the current length. */
export function applyByteEdits (input: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let b = Array.from(input)
  for (const e of edits) {
    const i = b.length === 0 ? 0 : e.at % b.length
    switch (e.op) {
      case 'flip': if (b.length > 0) b[i] = (b[i]! ^ (1 << e.bit)) & 0xff; break
      case 'set': if (b.length > 0) b[i] = e.value; break
      case 'insert': b.splice(i, 0, ...e.bytes); break
      case 'delete': b.splice(i, e.length); break
      case 'truncate': b = b.slice(0, i); break
      case 'repeat': {
        const slice = b.slice(i, i + e.length)
        b.splice(i, 0, ...Array.from({ length: e.times - 1 }, () => slice).flat())
        break
      }
    }
  }
  return Uint8Array.from(b)
}

/** A hostile value as JSON text (some of it deliberately not JSON at all). */
export const hostileJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e999', '-1e999', '-1', '-0', '0.5', '1e21', '9007199254740992', '9007199254740993', '123456789012345678901234567890',
    'NaN', 'Infinity', '-Infinity', 'undefined', '"NaN"', '"Infinity"', '"1e999"', '"-1"', '"0x10"', '" 1"',
    'null', 'true', 'false', '{}', '[]', '""', '"\\u0000"', '"\\ud800"', '"\\u202e"', '[null]', '{"":1}',
    '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '["__proto__"]'
  ),
  fc.integer({ min: 1, max: 20_000 }).map(n => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 5000 }).map(n => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.integer({ min: 100, max: 200_000 }).map(n => JSON.stringify('x'.repeat(n))),
  fc.integer({ min: 1, max: 20_000 }).map(n => '[' + Array.from({ length: n }, () => '0').join(',') + ']'),
  fc.integer({ min: 1, max: 5_000 }).map(n => '{' + Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',') + '}'),
  fc.integer({ min: 100, max: 100_000 }).map(n => `{"${'k'.repeat(n)}":1}`),
  fc.double().map(d => String(d)),
  fc.integer().map(String),
  fc.string({ unit: 'binary' }).map(s => JSON.stringify(s)),
  fc.jsonValue({ maxDepth: 3 }).map(v => JSON.stringify(v))
)

const HOLE = 'HOLE-4c1e9a'
const HOLE_TEXT = JSON.stringify(HOLE)

type Path = Array<string | number>

/** Every place in a JSON value where a value sits (the root included). */
function paths (value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix]
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])))
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]))
  return out
}

type Edit = { kind: 'replace' | 'add' | 'delete', key: string }

function isRecord (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function edited (value: unknown, path: Path, edit: Edit): unknown {
  const copy = structuredClone(value)
  const addTo = (target: Record<string, unknown>): void => {
    // An own property, so that "__proto__" is written out as a key rather than setting the prototype.
    Object.defineProperty(target, edit.key, { value: HOLE, enumerable: true, configurable: true, writable: true })
  }
  if (path.length === 0) {
    if (edit.kind === 'add' && isRecord(copy)) addTo(copy)
    return edit.kind === 'replace' ? HOLE : copy
  }
  let parent = copy as Record<string | number, unknown>
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>
  const last = path.at(-1)!
  const target = parent[last]
  if (edit.kind === 'add' && isRecord(target)) addTo(target)
  else if (edit.kind === 'delete' && Array.isArray(parent)) parent.splice(last as number, 1)
  else if (edit.kind === 'delete') delete parent[last]
  else parent[last] = HOLE
  return copy
}

/**
 * A valid message with one or two places replaced by hostile values, fields deleted, or unknown
 * (and prototype) fields added: the bytes as a peer would send them.
 */
export function structuralMutation (valid: fc.Arbitrary<unknown>): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({
    kind: fc.constantFrom('replace' as const, 'replace' as const, 'add' as const, 'delete' as const),
    key: fc.constantFrom('__proto__', 'constructor', 'extra', 'v', 'kind', '', 'toString')
  })
  return fc.tuple(valid, fc.array(fc.tuple(fc.nat(), edit, hostileJson), { minLength: 1, maxLength: 2 })).map(([value, edits]) => {
    let current = value
    const fills: string[] = []
    for (const [pick, e, text] of edits) {
      const all = paths(current)
      current = edited(current, all[pick % all.length]!, e)
      fills.push(text)
    }
    // Each hole gets its own hostile text, in order of appearance (a later edit may have removed one).
    const parts = JSON.stringify(current).split(HOLE_TEXT)
    const json = parts.reduce((acc, part, k) => acc + (fills[k - 1] ?? fills[0]) + part)
    return encoder.encode(json)
  })
}

/** Random bytes, random JSON, mutated bytes of a valid message, and structurally mutated ones. */
export function hostileFrames (valid: fc.Arbitrary<Uint8Array>, validValue: fc.Arbitrary<unknown>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(v => encoder.encode(JSON.stringify(v))) },
    { weight: 1, arbitrary: valid },
    { weight: 3, arbitrary: fc.tuple(valid, byteEdits).map(([b, e]) => applyByteEdits(b, e)) },
    { weight: 4, arbitrary: structuralMutation(validValue) }
  )
}

/** The JSON value of a valid frame, for structural mutation. */
export function asValue (bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes))
}

/** No decoder may have written through a prototype key into Object.prototype. */
export function assertNoPollution (): void {
  const probe = {} as Record<string, unknown>
  if (probe.polluted !== undefined || Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')) {
    throw new Error('Object.prototype was polluted')
  }
}
