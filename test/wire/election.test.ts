import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeElection, encodeElection, ELECTION_LIMITS, MAX_ELECTION_FRAME_BYTES } from '../../src/wire/election.js'
import type { ConfigKnowledge, ElectionMessage } from '../../src/core/election/types.js'

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
    rejected(big, /8193 bytes, limit is 8192/)
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

describe('voter configuration on the wire', () => {
  const config: ConfigKnowledge = {
    committed: { version: 2, term: 9, voters: ['A1', 'B2', 'C3'] },
    pending: { version: 3, term: 11, voters: ['A1', 'B2', 'C3', 'D4'] }
  }
  const withConfig: ElectionMessage[] = [
    { kind: 'lease-request', term: 11, candidate: 'A1', reqId: 4, config },
    { kind: 'lease-response', term: 11, reqId: 4, granted: false, promisedTerm: 12, holder: 'B2', remainingMs: 10, config: { committed: config.committed, pending: null } },
    { kind: 'master-announce', term: 11, master: 'A1', leaseRemainingMs: 900, config: config.committed }
  ]

  test('requests, responses and announcements carry it, and it round-trips', () => {
    for (const msg of withConfig) assert.deepEqual(decodeElection(encodeElection(msg)), { ok: true, value: msg })
  })

  test('absent is the bootstrap set: older nodes keep understanding what newer ones send until the first change', () => {
    const encoded = JSON.parse(new TextDecoder().decode(encodeElection(samples[0]!)))
    assert.equal('config' in encoded, false)
  })

  test('unsound configurations are refused with the rule they break', () => {
    const request = (c: unknown): Record<string, unknown> => ({ v: 1, kind: 'lease-request', term: 1, candidate: 'A1', reqId: 1, config: c })
    rejected(request([]), /config: must be an object, got an array/)
    rejected(request({ ...config, extra: 1 }), /config\.extra: unknown field in config/)
    rejected(request({ ...config, committed: { ...config.committed, voters: ['B2', 'A1'] } }), /config: committed\.voters must be sorted and unique/)
    rejected(request({ ...config, committed: { ...config.committed, voters: [] } }), /config\.committed\.voters: must be an array of 1\.\.15 ids/)
    rejected(request({ ...config, committed: { ...config.committed, voters: ['A1', 'b c'] } }), /config\.committed\.voters\[1\]: must be 1\.\.128 characters/)
    rejected(request({ ...config, pending: { ...config.pending, version: 4 } }), /config: pending\.version must be committed\.version \+ 1 \(3\), got 4/)
    rejected(request({ ...config, pending: { ...config.pending, voters: ['A1', 'D4', 'E5'] } }), /exactly one voter/)
    rejected(request({ ...config, committed: { ...config.committed, term: -1 } }), /config\.committed\.term: must be an integer/)
    rejected(request({ committed: config.committed }), /config\.pending: must be an object, got nothing/)
    rejected({ v: 1, kind: 'master-announce', term: 1, master: 'A1', leaseRemainingMs: 5, config: { ...config.committed, voters: ['B2', 'A1'] } },
      /config\.voters must be sorted and unique/)
  })

  test('the largest request (two sets of 15 ids of 128 characters) fits in a frame', () => {
    const ids = (n: number, offset = 0): string[] => Array.from({ length: n }, (_, i) => String(i + offset).padStart(3, '0').padEnd(128, 'x')).sort()
    const committed = ids(15)
    const biggest: ElectionMessage = {
      kind: 'lease-request', term: Number.MAX_SAFE_INTEGER, candidate: committed[0]!, reqId: Number.MAX_SAFE_INTEGER,
      config: {
        committed: { version: Number.MAX_SAFE_INTEGER - 1, term: Number.MAX_SAFE_INTEGER, voters: committed },
        pending: { version: Number.MAX_SAFE_INTEGER, term: Number.MAX_SAFE_INTEGER, voters: committed.slice(1) }
      }
    }
    const encoded = encodeElection(biggest)
    assert.ok(encoded.byteLength <= MAX_ELECTION_FRAME_BYTES, `${encoded.byteLength} bytes`)
    assert.deepEqual(decodeElection(encoded), { ok: true, value: biggest })
  })

  test('property: configurations of any sound shape round-trip', () => {
    const knowledge = fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), { minLength: 2, maxLength: 15 }).chain(ids => {
      const sorted = [...ids].sort()
      return fc.record({ version: fc.nat(1000), term: fc.nat(1000), drop: fc.boolean(), extra: fc.nat(1000) }).map(({ version, term, drop, extra }) => ({
        committed: { version, term, voters: sorted.slice(0, -1) },
        pending: drop ? null : { version: version + 1, term: term + extra, voters: sorted }
      }))
    })
    fc.assert(fc.property(knowledge, (k) => {
      const msg: ElectionMessage = { kind: 'lease-request', term: 1, candidate: 'A', reqId: 1, config: k }
      assert.deepEqual(decodeElection(encodeElection(msg)), { ok: true, value: msg })
    }))
  })
})
