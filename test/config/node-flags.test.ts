import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Command, CommanderError } from 'commander'
import { addNodeFlags, flagsToOptions } from '../../src/cli/node-flags.js'
import { resolveOptions } from '../../src/config/load.js'
import { optionKeys, optionSpecs } from '../../src/config/option-specs.js'
import { flagName } from '../../src/config/names.js'
import { tempFile } from './helpers.js'

/** A fresh `start`-like command parsed from argv, with errors thrown instead of exiting. */
function parse (argv: string[]): Command {
  const cmd = addNodeFlags(new Command('start'))
  cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })
  return cmd.parse(argv, { from: 'user' })
}

test('no flags given means no options, not commander defaults', () => {
  assert.deepEqual(flagsToOptions(parse([])), { flags: {} })
})

test('only the flags the user gave come back, typed', () => {
  const { flags, file } = flagsToOptions(parse(['--expect', '5', '--no-mdns', '--heartbeat-ms', '250', '--cpus', '2.5', '--placement', 'spread']))
  assert.deepEqual(flags, { expect: 5, mdns: false, heartbeatMs: 250, cpus: 2.5, placement: 'spread' })
  assert.equal(file, undefined)
})

test('repeatable flags accumulate', () => {
  const { flags } = flagsToOptions(parse([
    '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/9000',
    '--peer', '/ip4/10.0.0.1/tcp/4001',
    '--label', 'zone=lab', '--label', 'rack=r1',
    '--resource', 'gpu=1', '--resource', 'tpu=2'
  ]))
  assert.deepEqual(flags, {
    listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/9000'],
    peers: ['/ip4/10.0.0.1/tcp/4001'],
    labels: { zone: 'lab', rack: 'r1' },
    resources: { gpu: 1, tpu: 2 }
  })
})

test('--config becomes the file, not an option', () => {
  assert.deepEqual(flagsToOptions(parse(['--config', '/etc/mcp.json'])), { flags: {}, file: '/etc/mcp.json' })
})

test('a positive boolean flag can undo a file or env setting', () => {
  const file = tempFile(JSON.stringify({ mdns: false, masterTasks: false }))
  const { flags } = flagsToOptions(parse(['--mdns', '--master-tasks']))
  const o = resolveOptions({ file, env: { MCP_MDNS: 'false' }, flags })
  assert.equal(o.mdns, true)
  assert.equal(o.masterTasks, true)
})

test('absent flags leave env and file in charge; given ones win', () => {
  const file = tempFile(JSON.stringify({ expect: 5, mdns: false }))
  const { flags, file: fromFlag } = flagsToOptions(parse(['--config', file, '--slots', '1']))
  const o = resolveOptions({ flags, file: fromFlag, env: { MCP_SLOTS: '8', MCP_CLUSTER: 'env-cluster' } })
  assert.equal(o.expect, 5)
  assert.equal(o.mdns, false, 'commander\'s implicit default for --no-mdns must not override the file')
  assert.equal(o.cluster, 'env-cluster')
  assert.equal(o.slots, 1)
})

test('malformed flag values are refused by commander with the rule', () => {
  assert.throws(() => parse(['--expect', 'abc']), (err: unknown) =>
    err instanceof CommanderError && err.code === 'commander.invalidArgument' && /--expect <n>.*'abc'.*must be an integer >= 1/.test(err.message))
  assert.throws(() => parse(['--label', 'novalue']), CommanderError)
  assert.throws(() => parse(['--placement', 'random']), CommanderError)
})

test('well-formed but out-of-range flag values fail in resolveOptions, naming the flag', () => {
  const { flags } = flagsToOptions(parse(['--expect', '0']))
  assert.throws(() => resolveOptions({ flags, env: {} }), /invalid option "expect": must be an integer >= 1, got 0 \(from --expect\)/)
})

test('every option has a flag, and every boolean has both spellings', () => {
  const cmd = addNodeFlags(new Command('start'))
  const longs = new Set(cmd.options.map(o => o.long))
  for (const key of optionKeys) {
    const name = flagName(key)
    assert.ok(longs.has(name), name)
    if (optionSpecs[key].kind === 'boolean') assert.ok(longs.has(`--no-${name.slice(2)}`), `--no-${name.slice(2)}`)
  }
  assert.ok(longs.has('--config'))
})
