import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { decodeGossip, encodeGossip, type GossipMessage } from '../../src/wire/heartbeat.js'
import { plainHeartbeat } from '../core/heartbeat-fixtures.js'
import type { ClusterClaim } from '../../src/core/types.js'

function heartbeat (cluster: ClusterClaim): GossipMessage {
  return { v: 1, kind: 'heartbeat', hb: plainHeartbeat({ id: '12D3KooWAbc', role: 'voter', cluster }) }
}

const claim: ClusterClaim = { voters: ['A1', 'B2', 'X9'], proposal: null, epoch: 12, master: 'A1' }

describe('cluster claim: the voter set version', () => {
  test('a claim with a replaced voter set carries its version, and it round-trips', () => {
    const msg = heartbeat({ ...claim, configVersion: 2 })
    assert.deepEqual(decodeGossip(encodeGossip(msg)), { ok: true, value: msg })
  })

  test('absent means the bootstrap set (older nodes send none) and stays absent after decoding', () => {
    const r = decodeGossip(encodeGossip(heartbeat(claim)))
    assert.ok(r.ok && r.value.kind === 'heartbeat')
    assert.equal('configVersion' in r.value.hb.cluster, false)
  })

  test('a version must be a non-negative safe integer', () => {
    for (const bad of [-1, 1.5, '2', null, 2 ** 53]) {
      const raw = JSON.parse(new TextDecoder().decode(encodeGossip(heartbeat(claim))))
      raw.hb.cluster.configVersion = bad
      const r = decodeGossip(new TextEncoder().encode(JSON.stringify(raw)))
      assert.equal(r.ok, false, `configVersion ${String(bad)} must be refused`)
      if (!r.ok) assert.match(r.reason, /^hb\.cluster\.configVersion: must be an integer in \[0, 9007199254740991\]/)
    }
  })
})
