import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { optionKeys } from '../../src/config/option-specs.js'
import { envName, flagName } from '../../src/config/names.js'
import { resolveOptions } from '../../src/config/load.js'
import { tempFile } from './helpers.js'

// Compiled tests live two levels below the build root, which sits beside docs/.
const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')

test('docs/configuration.md documents every option by key, flag and variable', () => {
  for (const key of optionKeys) {
    assert.ok(docs.includes(`\`${key}\``), `config key ${key}`)
    assert.ok(docs.includes(`\`${flagName(key)}`), `flag ${flagName(key)}`)
    assert.ok(docs.includes(`\`${envName(key)}\``), `env ${envName(key)}`)
  }
})

test('the example config file in the docs resolves, given the token it says to pass', () => {
  const json = /```json\n([\s\S]*?)\n```/.exec(docs)?.[1]
  assert.ok(json !== undefined, 'docs have a json example')
  const file = tempFile(json)
  const o = resolveOptions({ file, env: { MCP_HTTP_TOKEN: 't' } })
  assert.equal(o.cluster, 'lab')
  assert.throws(() => resolveOptions({ file, env: {} }), /"httpToken" is required/)
})
