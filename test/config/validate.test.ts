import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { validateOptions } from '../../src/config/validate.js'
import { defaultNodeOptions } from '../../src/config/defaults.js'
import { resolveOptions } from '../../src/config/load.js'
import { ConfigError } from '../../src/config/errors.js'
import type { NodeOptions, ResolvedNodeOptions } from '../../src/config/options.js'
import { problemsOf } from './helpers.js'

const base = defaultNodeOptions({}, '/home/test')
const problems = (o: Partial<ResolvedNodeOptions>, sources = {}): string[] => validateOptions({ ...base, ...o }, sources)
const only = (o: Partial<ResolvedNodeOptions>): string => {
  const p = problems(o)
  assert.equal(p.length, 1, p.join('\n'))
  return p[0] ?? ''
}

describe('relations between timings', () => {
  test('suspectMs must exceed heartbeatMs, reported once', () => {
    assert.match(only({ heartbeatMs: 500, suspectMs: 500 }), /^suspectMs \(500, default\) must be greater than heartbeatMs \(500, default\): raise suspectMs or lower heartbeatMs$/)
  })

  test('suspectMs must be at least twice heartbeatMs', () => {
    const p = only({ heartbeatMs: 500, suspectMs: 900 })
    assert.match(p, /suspectMs \(900, default\) must be at least 2 \* heartbeatMs \(1000\)/)
    assert.match(p, /raise suspectMs or lower heartbeatMs/)
    assert.deepEqual(problems({ heartbeatMs: 500, suspectMs: 1000 }), [])
  })

  test('deadMs must exceed suspectMs', () => {
    assert.match(only({ deadMs: 1500 }), /^deadMs \(1500, default\) must be greater than suspectMs \(1500, default\).*raise deadMs or lower suspectMs$/)
  })

  test('renewMs must be under half the lease', () => {
    assert.match(only({ renewMs: 500 }), /^renewMs \(500, default\) must be less than leaseMs \/ 2 \(500\).*lower renewMs or raise leaseMs$/)
    assert.deepEqual(problems({ renewMs: 499 }), [])
  })

  test('maxDriftMs must be under a quarter of the lease', () => {
    assert.match(only({ maxDriftMs: 250 }), /^maxDriftMs \(250, default\) must be less than leaseMs \/ 4 \(250\).*lower maxDriftMs or raise leaseMs$/)
    assert.deepEqual(problems({ maxDriftMs: 0 }), [])
  })

  test('a dead voter cannot be replaced before it is known dead', () => {
    assert.match(only({ replaceDeadVoterAfterMs: 2999 }), /^replaceDeadVoterAfterMs \(2999, default\) must be at least deadMs \(3000, default\)/)
  })

  test('relation messages name each value\'s source', () => {
    const p = problems({ heartbeatMs: 500, suspectMs: 900 }, { suspectMs: 'MCP_SUSPECT_MS' })
    assert.match(p[0] ?? '', /^suspectMs \(900, from MCP_SUSPECT_MS\)/)
  })

  test('a relation is skipped while one of its options is itself invalid', () => {
    assert.deepEqual(problems({ heartbeatMs: -1 }), [
      'invalid option "heartbeatMs": must be a whole number of milliseconds >= 1, got -1'
    ])
  })
})

describe('HTTP endpoint', () => {
  test('accepts off, loopback hosts and bracketed IPv6', () => {
    for (const http of ['off', '127.0.0.1:0', '127.9.9.9:65535', 'localhost:8080', '[::1]:7070']) {
      assert.deepEqual(problems({ http }), [], http)
    }
  })

  test('rejects malformed addresses and ports out of range', () => {
    for (const http of ['7070', '127.0.0.1', '127.0.0.1:65536', '::1:7070', '[nothex]:1', 'host:-1', '']) {
      assert.match(only({ http }), /^invalid option "http": must be "off" or host:port with a port from 0 to 65535/, http)
    }
  })

  test('refuses a non-loopback host without a token, saying how to give one', () => {
    for (const http of ['0.0.0.0:7070', '192.168.1.5:80', 'example.com:80', '[::]:7070']) {
      const p = only({ http })
      assert.match(p, /"httpToken" is required/, http)
      assert.match(p, /--http-token/)
      assert.match(p, /MCP_HTTP_TOKEN/)
    }
    assert.deepEqual(problems({ http: '0.0.0.0:7070', httpToken: 's3cret' }), [])
  })

  test('never echoes the token in a message', () => {
    const p = only({ httpToken: '' })
    assert.match(p, /^invalid option "httpToken": must be a non-empty string, got <redacted>$/)
  })
})

describe('multiaddrs', () => {
  test('a bad listen address is named with the parser\'s reason and its source', () => {
    const p = problems({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/1.2.3.4/tcp/notaport'] }, { listen: '--listen' })
    assert.equal(p.length, 1)
    assert.match(p[0] ?? '', /^invalid option "listen": "\/ip4\/1.2.3.4\/tcp\/notaport" is not a valid multiaddr \(.+\) \(from --listen\)$/)
  })

  test('peers may carry /p2p/<id> or not, but the id must be a peer id', () => {
    const id = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
    assert.deepEqual(problems({ peers: ['/ip4/10.0.0.1/tcp/4001', `/dns4/example.com/tcp/4001/p2p/${id}`] }), [])
    assert.match(only({ peers: ['/ip4/10.0.0.1/tcp/4001/p2p/nope'] }), /"nope" after \/p2p\/ is not a peer id/)
  })

  test('empty and non-slash strings are refused', () => {
    assert.match(only({ peers: [''] }), /"" is not a valid multiaddr \(it is empty\)/)
    assert.match(only({ peers: ['10.0.0.1:4001'] }), /"10.0.0.1:4001" is not a valid multiaddr/)
  })
})

describe('single options', () => {
  test('cluster names are 1-32 of a-z 0-9 -', () => {
    assert.deepEqual(problems({ cluster: 'lab-2' }), [])
    for (const cluster of ['', 'Lab', 'a_b', 'x'.repeat(33)]) assert.match(only({ cluster }), /^invalid option "cluster"/)
  })

  test('label and resource keys follow [A-Za-z0-9_.-]{1,64}; resources are finite and >= 0', () => {
    assert.deepEqual(problems({ labels: { 'zone.v2': 'a' }, resources: { gpu: 0, 'mem_GB': 1.5 } }), [])
    assert.match(only({ labels: { 'bad key': 'a' } }), /^invalid option "labels": .*got \{"bad key":"a"\}$/)
    assert.match(only({ labels: { zone: 1 as unknown as string } }), /^invalid option "labels"/)
    for (const gpu of [-1, Infinity, NaN]) assert.match(only({ resources: { gpu } }), /^invalid option "resources"/)
    assert.match(only({ resources: { ['k'.repeat(65)]: 1 } }), /^invalid option "resources"/)
  })

  test('integers, enums and the placement function', () => {
    assert.match(only({ expect: 1.5 }), /^invalid option "expect": must be an integer >= 1, got 1.5$/)
    assert.match(only({ slots: -1 }), /^invalid option "slots": must be an integer >= 0/)
    assert.deepEqual(problems({ slots: 0 }), [])
    assert.match(only({ logLevel: 'loud' as 'info' }), /^invalid option "logLevel": must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/)
    assert.match(only({ placement: 'random' as 'spread' }), /^invalid option "placement"/)
    assert.deepEqual(problems({ placement: () => 0 }), [])
    assert.match(only({ cpus: 0 }), /^invalid option "cpus": must be a number > 0/)
  })
})

test('validateOptions never throws, whatever a JavaScript caller puts in an option', () => {
  const anyValue = fc.oneof(fc.anything(), fc.array(fc.string()), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.double())))
  fc.assert(fc.property(fc.constantFrom(...Object.keys(base) as Array<keyof ResolvedNodeOptions>), anyValue, (key, value) => {
    const p = validateOptions({ ...base, [key]: value })
    assert.ok(Array.isArray(p))
    for (const message of p) assert.equal(typeof message, 'string')
  }))
})

test('a ConfigError is a named Error carrying every problem', () => {
  let caught: unknown
  try {
    resolveOptions({ env: {}, options: { expect: 0, slots: -1 } as NodeOptions })
  } catch (err) { caught = err }
  assert.ok(caught instanceof ConfigError)
  assert.ok(caught instanceof Error)
  assert.equal(caught.name, 'ConfigError')
  assert.equal(ConfigError.name, 'ConfigError')
  assert.equal(caught.problems.length, 2)
  assert.match(caught.message, /^invalid configuration, 2 problems:\n {2}- invalid option "expect".*\n {2}- invalid option "slots"/)
  assert.deepEqual(problemsOf(() => resolveOptions({ env: {}, options: { expect: 0 } })),
    ['invalid option "expect": must be an integer >= 1, got 0 (from the options object)'])
})
