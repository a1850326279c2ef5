import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeElection, encodeElection, ELECTION_LIMITS, MAX_ELECTION_FRAME_BYTES } from '../../src/wire/election.js'
import type { ElectionMessage } from '../../src/core/election/types.js'

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const ID = '12D3KooWAbc'

const samples: ElectionMessage[] = [
  { kind: 'lease-request', term: 7, candidate: ID, reqId: 3 },
  { kind: 'lease-response', term: 7, reqId: 3, granted: true, promisedTerm: 7, holder: ID, remainingMs: 1000 },
  { kind: 'lease-response', term: 7, reqId: 3, granted: false, promisedTerm: 6, holder: null, remainingMs: 0 },
  { kind: 'release', term: 7 },
  { kind: 'timeout-now', term: 7 },
  { kind: 'master-announce', term: 7, master: ID, leaseRemainingMs: 950 }
]

function rejected (value: unknown, pattern: RegExp): void {
  const r = decodeElection(value instanceof Uint8Array ? value : bytes(value))
  assert.equal(r.ok, false, `expected rejection of ${JSON.stringify(value)}`)
  if (!r.ok) assert.match(r.reason, pattern)
}

/** A valid message of `kind` as plain JSON, with one change applied. */
function validWith (index: number, change: (m: Record<string, unknown>) => void): Record<string, unknown> {
  const m: Record<string, unknown> = { v: 1, ...samples[index]! }
  change(m)
  return m
}

describe('election wire format', () => {
  test('every message kind round-trips, with v: 1 on the wire', () => {
    for (const msg of samples) {
      const encoded = encodeElection(msg)
      assert.equal(JSON.parse(new TextDecoder().decode(encoded)).v, 1)
      assert.deepEqual(decodeElection(encoded), { ok: true, value: msg })
    }
  })

  test('oversized, non-UTF-8 and non-JSON input is refused before anything else', () => {
    const big = new Uint8Array(MAX_ELECTION_FRAME_BYTES + 1).fill(0x20)
    rejected(big, /4097 bytes, limit is 4096/)
    rejected(new Uint8Array([0xff, 0xfe]), /not valid UTF-8/)
    rejected(new TextEncoder().encode('{"v":1,'), /not valid JSON/)
  })

  test('envelope: object, version and kind', () => {
    rejected([1, 2], /message: must be a JSON object, got an array of 2/)
    rejected(null, /must be a JSON object/)
    rejected({ ...samples[3], v: 2 }, /v: unsupported protocol version 2, expected 1/)
    rejected({ kind: 'release', term: 1 }, /v: unsupported protocol version nothing/)
    rejected({ v: 1, kind: 'vote', term: 1 }, /kind: unknown message kind "vote"/)
  })

  test('unknown fields are refused', () => {
    rejected(validWith(3, m => { m.extra = true }), /extra: unknown field in release, expected only term/)
    rejected(new TextEncoder().encode('{"v":1,"kind":"release","term":1,"__proto__":{"x":1}}'), /__proto__: unknown field/)
  })

  test('numbers must be non-negative safe integers within range', () => {
    rejected(validWith(0, m => { delete m.term }), /term: must be an integer in \[0, 9007199254740991\], got nothing/)
    rejected(validWith(0, m => { m.term = -1 }), /term: .* got -1/)
    rejected(validWith(0, m => { m.term = 1.5 }), /term: .* got 1.5/)
    rejected(validWith(0, m => { m.term = '3' }), /term: .* got "3"/)
    rejected(validWith(0, m => { m.reqId = 2 ** 53 }), /reqId: must be an integer/)
    rejected(validWith(1, m => { m.remainingMs = ELECTION_LIMITS.durationMs + 1 }), /remainingMs: must be an integer in \[0, 3600000\]/)
    rejected(validWith(5, m => { m.leaseRemainingMs = -5 }), /leaseRemainingMs: must be an integer/)
    rejected(validWith(1, m => { m.promisedTerm = null }), /promisedTerm: .* got null/)
  })

  test('ids must be 1..128 alphanumeric characters; holder may be null but not absent', () => {
    rejected(validWith(0, m => { m.candidate = '' }), /candidate: must be 1..128 characters of \[A-Za-z0-9\], got ""/)
    rejected(validWith(0, m => { m.candidate = 'a b' }), /candidate: must be 1..128/)
    rejected(validWith(5, m => { m.master = 'x'.repeat(129) }), /master: must be 1..128 .*…/)
    rejected(validWith(1, m => { m.holder = 7 }), /holder: must be 1..128/)
    rejected(validWith(1, m => { delete m.holder }), /holder: .* got nothing/)
  })

  test('booleans must be booleans', () => {
    rejected(validWith(1, m => { m.granted = 'yes' }), /granted: must be true or false, got "yes"/)
  })

  test('decoded messages are fresh objects holding only known fields', () => {
    const r = decodeElection(bytes({ v: 1, ...samples[0] }))
    assert.ok(r.ok)
    assert.deepEqual(Object.keys(r.value).sort(), ['candidate', 'kind', 'reqId', 'term'])
  })

  test('fuzz: arbitrary bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), (input) => {
      const r = decodeElection(input)
      assert.equal(typeof r.ok, 'boolean')
    }), { numRuns: 2000 })
  })

  test('fuzz: arbitrary JSON values and mutated messages never throw, and what passes re-encodes identically', () => {
    const mutated = fc.tuple(fc.constantFrom(...samples), fc.string(), fc.jsonValue()).map(([m, key, value]) => ({ v: 1, ...m, [key]: value }))
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), mutated), (value) => {
      const r = decodeElection(bytes(value))
      if (r.ok) assert.deepEqual(decodeElection(encodeElection(r.value)), r)
    }), { numRuns: 3000 })
  })

  test('property: valid messages round-trip', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9]{1,128}$/)
    const n = fc.maxSafeNat()
    const ms = fc.nat(ELECTION_LIMITS.durationMs)
    const message: fc.Arbitrary<ElectionMessage> = fc.oneof(
      fc.record({ kind: fc.constant('lease-request' as const), term: n, candidate: id, reqId: n }),
      fc.record({ kind: fc.constant('lease-response' as const), term: n, reqId: n, granted: fc.boolean(), promisedTerm: n, holder: fc.option(id, { nil: null }), remainingMs: ms }),
      fc.record({ kind: fc.constant('release' as const), term: n }),
      fc.record({ kind: fc.constant('timeout-now' as const), term: n }),
      fc.record({ kind: fc.constant('master-announce' as const), term: n, master: id, leaseRemainingMs: ms })
    )
    fc.assert(fc.property(message, (msg) => {
      // fast-check builds records without a prototype; the decoder returns plain objects.
      assert.deepEqual(decodeElection(encodeElection(msg)), { ok: true, value: { ...msg } })
    }))
  })
})
