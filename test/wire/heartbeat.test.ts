import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeGossip, encodeGossip, MAX_GOSSIP_BYTES, type GossipMessage } from '../../src/wire/heartbeat.js'
import type { Heartbeat } from '../../src/core/membership/heartbeat.js'

function validHeartbeat (): Heartbeat {
  return {
    id: '12D3KooWAbc',
    incarnation: 1_700_000_000_000,
    seq: 42,
    version: '0.1.0',
    addrs: ['/ip4/127.0.0.1/tcp/4001'],
    role: 'voter',
    capacity: { slots: 4, cpus: 8, memTotalBytes: 16e9, memFreeBytes: 8.5e9, resources: { gpu: 1 }, labels: { zone: 'lab' } },
    load: { running: 1, queued: 0, eventLoopDelayMs: 1.25, loadAvg1: 0.4 },
    handlers: ['echo', 'sum'],
    cluster: { voters: ['A1', 'B2', 'C3'], proposal: null, epoch: 7, master: 'B2' }
  }
}

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

/** A valid heartbeat message as plain JSON, with one change applied. */
function heartbeatWith (change: (hb: Record<string, any>) => void): Uint8Array {
  const msg = JSON.parse(JSON.stringify({ v: 1, kind: 'heartbeat', hb: validHeartbeat() }))
  change(msg.hb)
  return bytes(msg)
}

function rejected (input: Uint8Array, reason: RegExp): void {
  const result = decodeGossip(input)
  assert.equal(result.ok, false, 'should have been rejected')
  if (!result.ok) assert.match(result.reason, reason)
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `N${String(i).padStart(3, '0')}`)
const entries = <V>(n: number, value: V): Record<string, V> => Object.fromEntries(ids(n).map(k => [k, value]))

describe('gossip codec: accepted messages', () => {
  test('a heartbeat round-trips', () => {
    const msg: GossipMessage = { v: 1, kind: 'heartbeat', hb: validHeartbeat() }
    assert.deepEqual(decodeGossip(encodeGossip(msg)), { ok: true, value: msg })
  })

  test('a leave round-trips', () => {
    const msg: GossipMessage = { v: 1, kind: 'leave', leave: { id: 'A1', incarnation: 5, seq: 0 } }
    assert.deepEqual(decodeGossip(encodeGossip(msg)), { ok: true, value: msg })
  })

  test('nulls, empty lists and records are accepted where allowed', () => {
    const result = decodeGossip(heartbeatWith(hb => {
      hb.addrs = []; hb.handlers = []; hb.version = ''
      hb.capacity.resources = {}; hb.capacity.labels = { empty: '' }
      hb.cluster = { voters: null, proposal: ['A', 'B'], epoch: 0, master: null }
    }))
    assert.ok(result.ok, result.ok ? '' : result.reason)
  })

  test('unknown extra fields are dropped, not passed on', () => {
    const raw = JSON.parse(JSON.stringify({ v: 1, kind: 'heartbeat', hb: validHeartbeat() }))
    raw.extra = 1
    raw.hb.extra = { nested: true }
    raw.hb.load.extra = 2
    raw.hb.cluster.extra = 3
    const result = decodeGossip(bytes(raw))
    assert.ok(result.ok)
    assert.deepEqual(result.value, { v: 1, kind: 'heartbeat', hb: validHeartbeat() })
  })

  test('a "__proto__" label stays an ordinary key', () => {
    const text = JSON.stringify({ v: 1, kind: 'heartbeat', hb: validHeartbeat() })
      .replace('"labels":{"zone":"lab"}', '"labels":{"__proto__":"x"}')
    const result = decodeGossip(new TextEncoder().encode(text))
    assert.ok(result.ok)
    const labels = result.value.kind === 'heartbeat' ? result.value.hb.capacity.labels : {}
    assert.equal(Object.getPrototypeOf(labels), Object.prototype)
    assert.deepEqual(Object.keys(labels), ['__proto__'])
  })

  test('-0 becomes 0 so that re-encoding gives the same value', () => {
    const text = JSON.stringify({ v: 1, kind: 'heartbeat', hb: validHeartbeat() }).replace('"loadAvg1":0.4', '"loadAvg1":-0')
    const result = decodeGossip(new TextEncoder().encode(text))
    assert.ok(result.ok && result.value.kind === 'heartbeat')
    assert.ok(Object.is(result.value.hb.load.loadAvg1, 0))
  })
})

describe('gossip codec: rejections', () => {
  test('oversized input is refused before parsing', () => {
    const big = heartbeatWith(hb => { hb.padding = 'x'.repeat(MAX_GOSSIP_BYTES) })
    rejected(big, /limit is 16384/)
    rejected(new Uint8Array(MAX_GOSSIP_BYTES + 1), /limit/)
  })
  test('invalid UTF-8', () => rejected(new Uint8Array([0x7b, 0xff, 0x7d]), /UTF-8/))
  test('invalid JSON', () => rejected(new TextEncoder().encode('{"v":1,'), /not valid JSON/))
  test('not an object', () => {
    rejected(bytes([1, 2]), /message: must be a JSON object, got an array/)
    rejected(bytes(null), /message: must be a JSON object/)
  })
  test('wrong or missing protocol version', () => {
    rejected(bytes({ v: 2, kind: 'heartbeat', hb: validHeartbeat() }), /v: unsupported protocol version 2/)
    rejected(bytes({ v: '1', kind: 'heartbeat', hb: validHeartbeat() }), /v: unsupported protocol version "1"/)
    rejected(bytes({ kind: 'heartbeat', hb: validHeartbeat() }), /v: unsupported protocol version nothing/)
  })
  test('unknown kind', () => rejected(bytes({ v: 1, kind: 'gossip', hb: validHeartbeat() }), /kind: unknown message kind "gossip"/))
  test('missing body', () => {
    rejected(bytes({ v: 1, kind: 'heartbeat' }), /^hb: must be an object/)
    rejected(bytes({ v: 1, kind: 'leave', hb: validHeartbeat() }), /^leave: must be an object/)
  })

  const cases: Array<[string, (hb: Record<string, any>) => void, RegExp]> = [
    ['id empty', hb => { hb.id = '' }, /hb\.id: must be 1\.\.128 characters/],
    ['id too long', hb => { hb.id = 'a'.repeat(129) }, /hb\.id:/],
    ['id outside the charset', hb => { hb.id = 'ab-c' }, /hb\.id: .*"ab-c"/],
    ['id not a string', hb => { hb.id = 12 }, /hb\.id: .*got 12/],
    ['incarnation negative', hb => { hb.incarnation = -1 }, /hb\.incarnation: must be an integer/],
    ['incarnation fractional', hb => { hb.incarnation = 1.5 }, /hb\.incarnation:/],
    ['incarnation unsafe', hb => { hb.incarnation = 2 ** 53 }, /hb\.incarnation:/],
    ['seq a string', hb => { hb.seq = '3' }, /hb\.seq:/],
    ['seq missing', hb => { delete hb.seq }, /hb\.seq: .*got nothing/],
    ['version too long', hb => { hb.version = 'v'.repeat(65) }, /hb\.version: must be a string of 0\.\.64/],
    ['addrs not a list', hb => { hb.addrs = '/ip4/1.2.3.4' }, /hb\.addrs: must be an array of at most 32/],
    ['too many addrs', hb => { hb.addrs = ids(33) }, /hb\.addrs:/],
    ['addr too long', hb => { hb.addrs = ['a'.repeat(257)] }, /hb\.addrs\[0\]: must be a string of 1\.\.256/],
    ['addr empty', hb => { hb.addrs = ['/ip4/x', ''] }, /hb\.addrs\[1\]:/],
    ['role unknown', hb => { hb.role = 'king' }, /hb\.role: must be one of master\|voter\|worker/],
    ['capacity missing', hb => { delete hb.capacity }, /hb\.capacity: must be an object/],
    ['slots fractional', hb => { hb.capacity.slots = 1.5 }, /hb\.capacity\.slots: must be an integer in \[0, 100000\]/],
    ['slots too many', hb => { hb.capacity.slots = 100_001 }, /hb\.capacity\.slots:/],
    ['cpus negative', hb => { hb.capacity.cpus = -1 }, /hb\.capacity\.cpus: must be a finite number >= 0/],
    ['memTotalBytes a string', hb => { hb.capacity.memTotalBytes = '1' }, /hb\.capacity\.memTotalBytes:/],
    ['memFreeBytes null', hb => { hb.capacity.memFreeBytes = null }, /hb\.capacity\.memFreeBytes:/],
    ['resources a list', hb => { hb.capacity.resources = [1] }, /hb\.capacity\.resources: must be an object/],
    ['too many resources', hb => { hb.capacity.resources = entries(33, 1) }, /hb\.capacity\.resources: must have at most 32/],
    ['resource key too long', hb => { hb.capacity.resources = { ['k'.repeat(65)]: 1 } }, /hb\.capacity\.resources: keys must be 1\.\.64/],
    ['resource negative', hb => { hb.capacity.resources = { gpu: -1 } }, /hb\.capacity\.resources\.gpu: must be a finite number/],
    ['too many labels', hb => { hb.capacity.labels = entries(33, 'x') }, /hb\.capacity\.labels: must have at most 32/],
    ['label key empty', hb => { hb.capacity.labels = { '': 'x' } }, /hb\.capacity\.labels: keys must be/],
    ['label value too long', hb => { hb.capacity.labels = { zone: 'z'.repeat(257) } }, /hb\.capacity\.labels\.zone: must be a string of 0\.\.256/],
    ['label value a number', hb => { hb.capacity.labels = { zone: 1 } }, /hb\.capacity\.labels\.zone:/],
    ['load missing', hb => { delete hb.load }, /hb\.load: must be an object/],
    ['running fractional', hb => { hb.load.running = 0.5 }, /hb\.load\.running:/],
    ['queued negative', hb => { hb.load.queued = -2 }, /hb\.load\.queued:/],
    ['event loop delay a string', hb => { hb.load.eventLoopDelayMs = 'slow' }, /hb\.load\.eventLoopDelayMs:/],
    ['load average negative', hb => { hb.load.loadAvg1 = -0.1 }, /hb\.load\.loadAvg1:/],
    ['too many handlers', hb => { hb.handlers = ids(65) }, /hb\.handlers: must be an array of at most 64/],
    ['handler name too long', hb => { hb.handlers = ['h'.repeat(65)] }, /hb\.handlers\[0\]: must be a string of 1\.\.64/],
    ['handler name empty', hb => { hb.handlers = [''] }, /hb\.handlers\[0\]:/],
    ['cluster missing', hb => { delete hb.cluster }, /hb\.cluster: must be an object/],
    ['voters unsorted', hb => { hb.cluster.voters = ['B', 'A'] }, /hb\.cluster\.voters\[1\]: ids must be sorted and unique, got "A"/],
    ['voters repeated', hb => { hb.cluster.voters = ['A', 'A'] }, /hb\.cluster\.voters\[1\]: ids must be sorted and unique/],
    ['too many voters', hb => { hb.cluster.voters = ids(16) }, /hb\.cluster\.voters: must be an array of at most 15/],
    ['voter id invalid', hb => { hb.cluster.voters = ['A', 'b c'] }, /hb\.cluster\.voters\[1\]: must be 1\.\.128 characters/],
    ['voters missing', hb => { delete hb.cluster.voters }, /hb\.cluster\.voters:/],
    ['proposal unsorted', hb => { hb.cluster.proposal = ['Z', 'A'] }, /hb\.cluster\.proposal\[1\]:/],
    ['epoch fractional', hb => { hb.cluster.epoch = 1.5 }, /hb\.cluster\.epoch:/],
    ['epoch negative', hb => { hb.cluster.epoch = -1 }, /hb\.cluster\.epoch:/],
    ['master invalid', hb => { hb.cluster.master = 'no/way' }, /hb\.cluster\.master:/],
    ['master missing', hb => { delete hb.cluster.master }, /hb\.cluster\.master: .*got nothing/]
  ]
  for (const [name, change, reason] of cases) {
    test(`heartbeat: ${name}`, () => rejected(heartbeatWith(change), reason))
  }

  test('a non-finite number written out in JSON', () => {
    const text = JSON.stringify({ v: 1, kind: 'heartbeat', hb: validHeartbeat() }).replace('"cpus":8', '"cpus":1e400')
    rejected(new TextEncoder().encode(text), /hb\.capacity\.cpus: must be a finite number >= 0, got Infinity/)
  })

  test('leave: each field is checked', () => {
    const leave = (l: Record<string, unknown>): Uint8Array => bytes({ v: 1, kind: 'leave', leave: { id: 'A', incarnation: 1, seq: 2, ...l } })
    rejected(leave({ id: 'A_' }), /leave\.id:/)
    rejected(leave({ incarnation: -5 }), /leave\.incarnation:/)
    rejected(leave({ seq: undefined }), /leave\.seq: .*got nothing/)
  })

  test('reasons stay short even for huge values', () => {
    const result = decodeGossip(heartbeatWith(hb => { hb.id = 'x'.repeat(10_000) }))
    assert.ok(!result.ok)
    assert.ok(result.reason.length < 200, result.reason)
  })
})

describe('gossip codec: fuzz', () => {
  const id = fc.stringMatching(/^[A-Za-z0-9]{1,24}$/)
  const amount = fc.double({ min: 0, max: 1e15, noNaN: true })
  const count = fc.nat()
  const shortText = (min: number, max: number): fc.Arbitrary<string> => fc.string({ minLength: min, maxLength: max })
  const idSet = fc.option(fc.uniqueArray(id, { maxLength: 15 }).map(xs => [...xs].sort()))
  // The decoder builds ordinary objects; fast-check would otherwise also make null-prototype ones.
  const plain = { noNullPrototype: true }
  const heartbeat: fc.Arbitrary<Heartbeat> = fc.record({
    id,
    incarnation: fc.maxSafeNat(),
    seq: fc.maxSafeNat(),
    version: shortText(0, 64),
    addrs: fc.array(shortText(1, 64), { maxLength: 8 }),
    role: fc.constantFrom('master' as const, 'voter' as const, 'worker' as const),
    capacity: fc.record({
      slots: fc.nat(100_000),
      cpus: amount,
      memTotalBytes: amount,
      memFreeBytes: amount,
      resources: fc.dictionary(shortText(1, 16), amount, { maxKeys: 8, ...plain }),
      labels: fc.dictionary(shortText(1, 16), shortText(0, 32), { maxKeys: 8, ...plain })
    }, plain),
    load: fc.record({ running: count, queued: count, eventLoopDelayMs: amount, loadAvg1: amount }, plain),
    handlers: fc.array(shortText(1, 32), { maxLength: 16 }),
    cluster: fc.record({ voters: idSet, proposal: idSet, epoch: fc.maxSafeNat(), master: fc.option(id) }, plain)
  }, plain)
  const message: fc.Arbitrary<GossipMessage> = fc.oneof(
    heartbeat.map(hb => ({ v: 1 as const, kind: 'heartbeat' as const, hb })),
    fc.record({ id, incarnation: fc.maxSafeNat(), seq: fc.maxSafeNat() }, plain).map(leave => ({ v: 1 as const, kind: 'leave' as const, leave }))
  )

  /** Whatever the decoder accepts must survive its own encoder unchanged. */
  function decodesStably (input: Uint8Array): void {
    const first = decodeGossip(input)
    if (!first.ok) {
      assert.equal(typeof first.reason, 'string')
      return
    }
    assert.deepEqual(decodeGossip(encodeGossip(first.value)), first)
  }

  test('valid messages round-trip exactly', () => {
    fc.assert(fc.property(message, msg => {
      assert.deepEqual(decodeGossip(encodeGossip(msg)), { ok: true, value: msg })
    }), { numRuns: 300 })
  })

  test('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), decodesStably), { numRuns: 1000 })
  })

  test('byte-level mutations of valid encodings never throw', () => {
    const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), op: fc.constantFrom('set', 'insert', 'delete') })
    fc.assert(fc.property(message, fc.array(edit, { minLength: 1, maxLength: 4 }), (msg, edits) => {
      const out = [...encodeGossip(msg)]
      for (const e of edits) {
        const at = e.at % (out.length + 1)
        if (e.op === 'set') out[at] = e.byte
        else if (e.op === 'insert') out.splice(at, 0, e.byte)
        else out.splice(at, 1)
      }
      decodesStably(Uint8Array.from(out))
    }), { numRuns: 500 })
  })

  test('replacing any field with arbitrary JSON never throws', () => {
    fc.assert(fc.property(message, fc.nat(), fc.jsonValue({ maxDepth: 3 }), (msg, pick, replacement) => {
      const tree = JSON.parse(new TextDecoder().decode(encodeGossip(msg))) as unknown
      const slots: Array<[Record<string, unknown> | unknown[], string | number]> = []
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach((child, i) => { slots.push([node, i]); walk(child) })
        else if (typeof node === 'object' && node !== null) {
          for (const [key, child] of Object.entries(node)) { slots.push([node as Record<string, unknown>, key]); walk(child) }
        }
      }
      walk(tree)
      const slot = slots[pick % slots.length]
      assert.ok(slot !== undefined)
      const [parent, key] = slot
      ;(parent as Record<string | number, unknown>)[key] = replacement
      decodesStably(new TextEncoder().encode(JSON.stringify(tree)))
    }), { numRuns: 1000 })
  })
})
