import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../src/config/errors.js'

/** Writes `content` to a fresh temp file and returns its path. */
export function tempFile (content: string, name = 'config.json'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mcp-config-test-')), name)
  writeFileSync(path, content)
  return path
}

/** Runs fn, asserts it throws a ConfigError, and returns the problems it lists. */
export function problemsOf (fn: () => unknown): readonly string[] {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error('expected a ConfigError, but nothing was thrown')
}
