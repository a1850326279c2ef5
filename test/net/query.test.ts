// The query protocol between two real libp2p nodes on 127.0.0.1 (no mDNS): answers, and what a
// misbehaving peer gets (a closed stream, never a crash), and what an asker gets from a silent one.
import '../../src/polyfill.js'
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import * as lp from 'it-length-prefixed'
import pino from 'pino'
import { createClusterLibp2p, type ClusterLibp2p } from '../../src/net/libp2p.js'
import { ask, serveQueries } from '../../src/net/query.js'
import { QUERY_PROTOCOL } from '../../src/net/protocols.js'
import { QUERY_LIMITS, decodeQueryResponse } from '../../src/wire/query.js'
import type { TaskView } from '../../src/core/tasks/table-types.js'

async function node (): Promise<ClusterLibp2p> {
  const n = await createClusterLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, cluster: 'query-test' })
  await n.start()
  return n
}

const view: TaskView = {
  id: 't1', state: 'done', type: 'echo', priority: 0, submitter: 'A1', submittedAt: 1, attempts: [], notBefore: null, deferReason: null,
  result: { kind: 'result', id: 't1', ok: true, value: 'hi', attempts: 1, node: 'B2', durationMs: 1 }
}

/** Sends raw bytes on a fresh query stream and returns the first frame answered, or why there was none. */
async function raw (from: ClusterLibp2p, to: ClusterLibp2p, bytes: Uint8Array): Promise<Uint8Array | string> {
  const stream = await from.dialProtocol(to.peerId, QUERY_PROTOCOL)
  try {
    const [, answer] = await Promise.all([
      stream.sink([bytes]),
      (async () => { for await (const f of lp.decode(stream.source)) return f.subarray(); return 'ended without an answer' })()
    ])
    return answer
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

describe('query protocol over libp2p', () => {
  let server: ClusterLibp2p
  let client: ClusterLibp2p
  let silent: ClusterLibp2p
  const asked: string[] = []

  before(async () => {
    [server, client, silent] = await Promise.all([node(), node(), node()])
    await serveQueries(server, {
      task: (id) => { asked.push(id); return id === 't1' ? { view, pending: false } : undefined },
      log: pino({ level: 'silent' })
    })
    // A peer that accepts query streams and never answers.
    await silent.handle(QUERY_PROTOCOL, () => {})
    await client.dial(server.getMultiaddrs()[0]!)
    await client.dial(silent.getMultiaddrs()[0]!)
  })

  after(async () => {
    await Promise.all([server, client, silent].map(async n => { await n.stop() }))
  })

  test('time: the peer\'s clocks, with our send and receive times around them', async () => {
    const r = await ask(client, server.peerId.toString(), { kind: 'time' }, 5000)
    assert.ok(r.ok, r.ok ? '' : r.reason)
    const res = r.value.response
    assert.equal(res.kind, 'time')
    assert.ok(res.kind === 'time' && Math.abs(res.wallMs - Date.now()) < 5000)
    assert.ok(r.value.receivedMonoMs >= r.value.sentMonoMs)
    assert.ok(r.value.receivedWallMs >= r.value.sentWallMs)
  })

  test('task: the record when known, found: false when not', async () => {
    const known = await ask(client, server.peerId.toString(), { kind: 'task', id: 't1' }, 5000)
    assert.ok(known.ok && known.value.response.kind === 'task' && known.value.response.found, JSON.stringify(known))
    assert.deepEqual(known.value.response.view, view)
    const unknown = await ask(client, server.peerId.toString(), { kind: 'task', id: 'nope' }, 5000)
    assert.ok(unknown.ok)
    assert.deepEqual(unknown.value.response, { kind: 'task', id: 'nope', found: false })
    assert.deepEqual(asked.slice(-2), ['t1', 'nope'])
  })

  test('bad requests close the stream unanswered; the server keeps answering', async () => {
    const junk = await raw(client, server, lp.encode.single(new TextEncoder().encode('{"v":1,"kind":"reboot"}')).subarray())
    assert.equal(typeof junk, 'string', 'no answer to an unknown kind')
    const notJson = await raw(client, server, lp.encode.single(new Uint8Array([0xff, 0x00, 0x13])).subarray())
    assert.equal(typeof notJson, 'string')
    // A length prefix over the request limit: refused before the body is read.
    const huge = await raw(client, server, lp.encode.single(new Uint8Array(QUERY_LIMITS.requestBytes + 1).fill(0x20)).subarray())
    assert.equal(typeof huge, 'string')
    const garbage = await raw(client, server, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
    assert.equal(typeof garbage, 'string')

    const still = await raw(client, server, lp.encode.single(new TextEncoder().encode('{"v":1,"kind":"time"}')).subarray())
    assert.ok(still instanceof Uint8Array)
    assert.equal(decodeQueryResponse(still).ok, true)
  })

  test('a peer that never answers: a failed result after the timeout, not a hang or a throw', async () => {
    const r = await ask(client, silent.peerId.toString(), { kind: 'time' }, 300)
    assert.deepEqual(r, { ok: false, reason: 'no answer within 300 ms' })
  })

  test('a peer that does not speak the protocol: a failed result saying so', async () => {
    const r = await ask(server, client.peerId.toString(), { kind: 'time' }, 2000)
    assert.deepEqual(r, { ok: false, reason: 'it does not serve the query protocol', unsupported: true })
  })
})
