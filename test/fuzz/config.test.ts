// Configuration and the data dir under fuzzing: whatever the flags, variables, config file or
// library options hold, resolveOptions answers with valid options or a ConfigError naming the
// problems (never anything else, never echoing the token); whatever sits in the data dir, the
// node either loads it or stops with an error naming the file and what to do.
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { resolveOptions } from '../../src/config/load.js'
import { ConfigError } from '../../src/config/errors.js'
import { optionKeys } from '../../src/config/option-specs.js'
import { envName } from '../../src/config/names.js'
import { validateOptions } from '../../src/config/validate.js'
import { defaultElectionParams } from '../../src/core/election/params.js'
import type { PersistedElectionState } from '../../src/core/election/types.js'
import { ELECTION_STATE_FILE, loadElectionState, VoterGatedElection } from '../../src/node/election-driver.js'
import { IDENTITY_FILE, loadOrCreateIdentity } from '../../src/node/identity.js'
import { fuzz, fuzzAsync } from './support.js'
import { applyByteEdits, byteEdits, structuralMutation } from './mutate.js'

const dir = mkdtempSync(join(tmpdir(), 'mcp-fuzz-config-'))
after(() => { rmSync(dir, { recursive: true, force: true }) })

const TOKEN = 'SECRET-7f3a'

/** Text an env var or flag might hold: valid-looking and not. */
const optionText = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', '1', '3', '1e3', '1.5', '99999999999999999999', 'NaN', 'true', 'false', 'yes', 'off', '127.0.0.1:7070', '0.0.0.0:1',
    '[::1]:7070', '/ip4/127.0.0.1/tcp/4001', '/ip4/1.2.3/tcp/1', 'a=1,b=2', 'a=,=b', ',,,', 'gpu=-1', 'binpack', 'debug', '/tmp/x'),
  fc.string({ maxLength: 40 })
)

/** A value an options object or config file might hold. */
const optionValue = fc.oneof(
  fc.anything({ maxDepth: 2, withBigInt: true, withBoxedValues: true, withNullPrototype: true, withObjectString: true }),
  fc.constantFrom(3, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '127.0.0.1:0', ['/ip4/127.0.0.1/tcp/0'], { gpu: 1 }, { zone: 'lab' }, true)
)

const keyName = fc.oneof(fc.constantFrom(...optionKeys), fc.constantFrom('__proto__', 'constructor', 'expct', 'Expect', ''), fc.string({ maxLength: 12 }))
const optionsObject = fc.dictionary(keyName, optionValue, { maxKeys: 6 })

const envArb = fc.dictionary(
  fc.oneof(fc.constantFrom(...optionKeys.map(envName), 'MCP_CONFIG', 'MCP_EXPECTT'), fc.string({ maxLength: 8 }).map(s => `MCP_${s}`)),
  optionText,
  { maxKeys: 6 }
)

const fileText = fc.oneof(
  optionsObject.map(o => { try { return JSON.stringify(o) ?? 'null' } catch { return '{}' } }),
  fc.string({ maxLength: 100 }),
  fc.constantFrom('', '{', '[]', 'null', '{"expect": 3, "expect": "x"}', '{"__proto__": {"expect": 0}}')
)

describe('configuration under fuzzing', () => {
  test('resolveOptions returns valid options or throws a ConfigError naming problems, never anything else', () => {
    const file = join(dir, 'config.json')
    const tokenIn = fc.constantFrom('nowhere', 'env', 'options', 'flags')
    fuzz('config/resolve', fc.record({ env: envArb, options: optionsObject, flags: optionsObject, text: fc.option(fileText), tokenIn }), ({ env, options, flags, text, tokenIn }) => {
      if (text !== null) writeFileSync(file, text)
      // The token, where given, must never appear in a message, whatever else is wrong.
      if (tokenIn === 'env') env.MCP_HTTP_TOKEN = TOKEN
      if (tokenIn === 'options') options.httpToken = TOKEN
      if (tokenIn === 'flags') flags.httpToken = TOKEN
      let resolved
      try {
        resolved = resolveOptions({ env, options: options as never, flags: flags as never, ...(text !== null ? { file } : {}), onWarning: () => {} })
      } catch (err) {
        assert.ok(err instanceof ConfigError, `threw ${String(err)}`)
        assert.ok(err.problems.length > 0 && err.problems.every(p => typeof p === 'string' && p.length > 0))
        assert.ok(!err.message.includes(TOKEN), 'the HTTP token was echoed')
        return
      }
      assert.deepEqual(validateOptions(resolved), [])
    }, 2)
  })

  test('options that JSON cannot print (cycles, BigInt) are still a ConfigError that names them', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const [options, shown] of [
      [{ labels: cyclic }, /"labels".*got an object that cannot be shown as JSON/],
      [{ expect: 3n }, /"expect".*got 3n/],
      [{ resources: { gpu: 1n } }, /"resources".*got an object that cannot be shown as JSON/],
      [{ peers: [cyclic] }, /"peers".*got an array that cannot be shown as JSON/]
    ] as const) {
      assert.throws(() => resolveOptions({ env: {}, options: options as never }), (err: unknown) => err instanceof ConfigError && shown.test(err.message))
    }
  })
})

describe('the data dir under fuzzing', () => {
  const valid: fc.Arbitrary<PersistedElectionState> = fc.record({
    promisedTerm: fc.nat(50),
    holder: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
    highestTerm: fc.nat(50),
    voters: fc.option(fc.constantFrom(['a', 'b', 'c'], ['a'], ['a', 'b', 'c', 'd', 'e']), { nil: null }),
    masterEpoch: fc.nat(50),
    master: fc.option(fc.constantFrom('a', 'b'), { nil: null })
  })
  const electionFile = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    valid.map(s => new TextEncoder().encode(JSON.stringify(s))),
    fc.tuple(valid.map(s => new TextEncoder().encode(JSON.stringify(s))), byteEdits).map(([b, e]) => applyByteEdits(b, e)),
    structuralMutation(valid)
  )

  test('election.json: loaded into a working election, or a clear error naming the file', () => {
    const dataDir = join(dir, 'election')
    const path = join(dataDir, ELECTION_STATE_FILE)
    mkdirSync(dataDir, { recursive: true })
    fuzz('data-dir/election.json', electionFile, (bytes) => {
      writeFileSync(path, bytes)
      let state
      try {
        state = loadElectionState(dataDir)
      } catch (err) {
        assert.ok(err instanceof Error)
        assert.ok(err.message.includes(path), err.message)
        assert.match(err.message, /move it away|cannot read/)
        return
      }
      assert.ok(state !== undefined)
      const e = new VoterGatedElection('a', defaultElectionParams, { next: () => 0.5 }, 0, state, () => {})
      e.tick(5000)
      assert.ok(Number.isSafeInteger(e.status(5000).term))
    })
  })

  test('identity.key: a libp2p key, or a clear error naming the file', async () => {
    const dataDir = join(dir, 'identity')
    mkdirSync(dataDir, { recursive: true })
    const path = join(dataDir, IDENTITY_FILE)
    const good = privateKeyToProtobuf(await generateKeyPair('Ed25519'))
    const keyFile = fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.tuple(fc.constant(good), byteEdits).map(([b, e]) => applyByteEdits(b, e)))
    await fuzzAsync('data-dir/identity.key', keyFile, async (bytes) => {
      writeFileSync(path, bytes)
      try {
        const key = await loadOrCreateIdentity(dataDir)
        assert.equal(typeof key.publicKey.toString(), 'string')
      } catch (err) {
        assert.ok(err instanceof Error)
        assert.ok(err.message.includes(path), err.message)
        assert.match(err.message, /move it away/)
      }
    })
  })
})
