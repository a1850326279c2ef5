import { test, describe, type TestContext } from 'node:test'
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
  function driverWithClock (t: TestContext): { driver: MembershipDriver, published: () => number, advance: (ms: number) => void } {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    let now = 0
    let count = 0
    const { id: _id, seq: _seq, incarnation: _inc, ...body } = plainHeartbeat({ id: 'self', seq: 0 })
    const driver = new MembershipDriver({
      selfId: 'self', suspectMs: 1500, deadMs: 3000, heartbeatMs: 500, clock: { now: () => now },
      log: pino({ level: 'silent' }), heartbeat: () => body, onEvents: () => {}
    })
    driver.start({ publish: async () => { count++ } } as unknown as HeartbeatGossip)
    return { driver, published: () => count, advance: (ms) => { now += ms; t.mock.timers.tick(ms) } }
  }

  test('subscriptions bring the next heartbeat forward, at most one per half interval', (t) => {
    const { driver, published, advance } = driverWithClock(t)
    assert.equal(published(), 1, 'the first heartbeat goes out at start (t=0)')

    // Ten peers subscribe over 200 ms: one extra beat, half an interval after the last one.
    for (let i = 0; i < 10; i++) { driver.nudge(); advance(20) }
    assert.equal(published(), 1)
    advance(49)
    assert.equal(published(), 1)
    advance(1)
    assert.equal(published(), 2, 'the nudged beat at t=250')

    // The regular beat restarts from the nudged one: due at t=750.
    advance(499)
    assert.equal(published(), 2)
    advance(1)
    assert.equal(published(), 3)

    // Long after the last beat, a nudge publishes within the 20 ms debounce.
    advance(300)
    driver.nudge()
    advance(20)
    assert.equal(published(), 4)
    driver.stop()
    advance(5000)
    assert.equal(published(), 4, 'nothing after stop')
  })

  test('after the goodbye no heartbeat follows, whatever nudges or role changes come', async (t) => {
    const { driver, published, advance } = driverWithClock(t)
    advance(400)
    driver.nudge()
    await driver.leave()
    const atLeave = published()
    driver.nudge()
    await driver.publish()
    advance(5000)
    assert.equal(published(), atLeave)
    driver.stop()
  })
})
