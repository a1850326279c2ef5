import { test, describe, mock } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { FOLLOWER_TICK_MS, LEASE_TICK_MS, tickIntervalMs } from '../../src/node/tick-interval.js'
import { MembershipDriver } from '../../src/node/membership-driver.js'
import type { HeartbeatGossip } from '../../src/net/gossip.js'
import { plainHeartbeat } from '../core/heartbeat-fixtures.js'

describe('tick interval', () => {
  test('voters, voters-to-be and every node before the voters are agreed tick fast; the rest slower', () => {
    assert.equal(tickIntervalMs('a', { voters: null, pending: null }), LEASE_TICK_MS, 'bootstrapping: any node may campaign')
    assert.equal(tickIntervalMs('a', { voters: ['a', 'b', 'c'], pending: null }), LEASE_TICK_MS)
    assert.equal(tickIntervalMs('d', { voters: ['a', 'b', 'c'], pending: ['a', 'b', 'd'] }), LEASE_TICK_MS, 'joining the voters')
    assert.equal(tickIntervalMs('d', { voters: ['a', 'b', 'c'], pending: null }), FOLLOWER_TICK_MS)
    assert.ok(FOLLOWER_TICK_MS > LEASE_TICK_MS)
  })
})

describe('heartbeat nudges', () => {
  test('a subscription brings the next heartbeat forward at most once per half interval', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    let now = 0
    let published = 0
    const { id: _id, seq: _seq, incarnation: _inc, ...body } = plainHeartbeat({ id: 'self', seq: 0 })
    const driver = new MembershipDriver({
      selfId: 'self', suspectMs: 1500, deadMs: 3000, heartbeatMs: 500, clock: { now: () => now },
      log: pino({ level: 'silent' }), heartbeat: () => body, onEvents: () => {}
    })
    const gossip = { publish: async () => { published++ } } as unknown as HeartbeatGossip
    driver.start(gossip)
    assert.equal(published, 1, 'the first heartbeat goes out at start')

    // Many peers subscribe right after: within half an interval of the last beat, nothing extra.
    for (let i = 0; i < 10; i++) { driver.nudge(); t.mock.timers.tick(20) }
    assert.equal(published, 1)

    // Past half an interval, one nudge publishes at once and restarts the regular beat.
    now = 300
    driver.nudge()
    t.mock.timers.tick(20)
    assert.equal(published, 2)
    driver.nudge()
    t.mock.timers.tick(20)
    assert.equal(published, 2, 'the next nudge right after is absorbed')
    // The nudged beat left at 220 ms (mock time), so the regular one is due at 720; it is 240 now.
    t.mock.timers.tick(479)
    assert.equal(published, 2)
    t.mock.timers.tick(1)
    assert.equal(published, 3, 'the regular beat comes one interval after the nudged one')
    driver.stop()
    t.mock.timers.tick(5000)
    assert.equal(published, 3, 'nothing after stop')
  })
})
