// Every wire decoder against random bytes, random JSON and mutated valid frames: it never throws,
// refuses with a short reason, and what it accepts re-encodes to itself.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { DecodeResult } from '../../src/wire/result.js'
import { decodeGossip, encodeGossip, MAX_GOSSIP_BYTES } from '../../src/wire/heartbeat.js'
import { decodeElection, encodeElection, MAX_ELECTION_FRAME_BYTES } from '../../src/wire/election.js'
import { decodeTaskFrame, encodeTaskFrame, MAX_TASK_FRAME_BYTES } from '../../src/wire/tasks.js'
import { decodeQueryRequest, decodeQueryResponse, encodeQueryRequest, encodeQueryResponse, QUERY_LIMITS } from '../../src/wire/query.js'
import { fuzz } from './support.js'
import { assertNoPollution, asValue, hostileFrames } from './mutate.js'
import { electionArb, gossipArb, queryRequestArb, queryResponseArb, taskFrameArb } from './samples.js'

/** Reasons end up in logs: a peer must not be able to make them long. */
const MAX_REASON_CHARS = 2048

interface Codec<T> {
  name: string
  valid: fc.Arbitrary<T>
  encode: (value: T) => Uint8Array
  decode: (bytes: Uint8Array) => DecodeResult<T>
  maxBytes: number
}

const codecs: Array<Codec<any>> = [
  { name: 'wire/heartbeat', valid: gossipArb, encode: encodeGossip, decode: decodeGossip, maxBytes: MAX_GOSSIP_BYTES },
  { name: 'wire/election', valid: electionArb(), encode: encodeElection, decode: decodeElection, maxBytes: MAX_ELECTION_FRAME_BYTES },
  { name: 'wire/tasks', valid: taskFrameArb, encode: encodeTaskFrame, decode: (b) => decodeTaskFrame(b), maxBytes: MAX_TASK_FRAME_BYTES },
  { name: 'wire/query-request', valid: queryRequestArb, encode: encodeQueryRequest, decode: decodeQueryRequest, maxBytes: QUERY_LIMITS.requestBytes },
  { name: 'wire/query-response', valid: queryResponseArb, encode: encodeQueryResponse, decode: decodeQueryResponse, maxBytes: QUERY_LIMITS.responseBytes }
]

/** JSON's view of a value (what a peer would receive): drops undefined fields, -0 becomes 0. */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v))

function checkDecode<T> (c: Codec<T>, bytes: Uint8Array): void {
  const r = c.decode(bytes)
  assertNoPollution()
  if (!r.ok) {
    assert.equal(typeof r.reason, 'string')
    assert.ok(r.reason.length > 0 && r.reason.length <= MAX_REASON_CHARS, `reason of ${r.reason.length} characters: ${r.reason.slice(0, 200)}`)
    return
  }
  // Whatever is accepted can be sent on unchanged and is accepted again the same.
  const again = c.decode(c.encode(r.value))
  assert.ok(again.ok, `re-encoded value refused: ${again.ok ? '' : again.reason}`)
  assert.deepEqual(asJson(again.value), asJson(r.value))
}

describe('wire decoders under fuzzing', () => {
  for (const c of codecs) {
    test(`${c.name}: valid messages decode to themselves`, () => {
      fuzz(`${c.name} valid`, c.valid, (msg) => {
        const r = c.decode(c.encode(msg))
        assert.ok(r.ok, r.ok ? '' : r.reason)
        assert.deepEqual(asJson(r.value), asJson(msg))
      })
    })

    test(`${c.name}: random and mutated frames never throw, are refused with a short reason or re-encode to themselves`, () => {
      fuzz(`${c.name} hostile`, hostileFrames(c.valid.map(c.encode), c.valid.map(v => asValue(c.encode(v)))), (bytes) => { checkDecode(c, bytes) }, 3)
    })

    test(`${c.name}: oversized, deeply nested and non-UTF-8 input is refused, nesting before it is parsed`, () => {
      const depth = Math.floor(c.maxBytes / 2) - 1
      const refused = (bytes: Uint8Array, why: RegExp): void => {
        const r = c.decode(bytes)
        assert.ok(!r.ok && why.test(r.reason), r.ok ? 'accepted' : r.reason)
      }
      refused(new Uint8Array(c.maxBytes + 1).fill(0x20), /bytes, limit is/)
      refused(new TextEncoder().encode('['.repeat(depth) + ']'.repeat(depth)), /nested deeper than \d+ levels/)
      refused(new TextEncoder().encode('{"a":'.repeat(129) + '1' + '}'.repeat(129)), /nested deeper than \d+ levels/)
      refused(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/)
    })
  }
})
