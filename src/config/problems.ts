import { optionSpecs } from './option-specs.js'
import type { OptionKey } from './options.js'

const MAX_SHOWN = 80

/** A value as quoted in a message: JSON-like, cut short, secrets hidden. */
export function describeValue (key: OptionKey, value: unknown): string {
  if (optionSpecs[key].secret === true && value !== undefined) return '<redacted>'
  if (typeof value === 'function') return 'a function'
  if (value === undefined) return 'nothing'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'bigint') return `${value}n`
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    // A cycle or a BigInt inside: JavaScript callers can pass what JSON cannot print.
    text = Array.isArray(value) ? 'an array that cannot be shown as JSON' : 'an object that cannot be shown as JSON'
  }
  return text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN - 3) + '...' : text
}

/** ' (from MCP_EXPECT)', or nothing for a default. */
export function fromSource (source: string | undefined): string {
  return source === undefined ? '' : ` (from ${source})`
}

/** `invalid option "expect": must be an integer >= 1, got "abc" (from MCP_EXPECT)` */
export function invalidOption (key: OptionKey, value: unknown, source: string | undefined): string {
  return `invalid option "${key}": must be ${optionSpecs[key].rule}, got ${describeValue(key, value)}${fromSource(source)}`
}

/** 'suspectMs (400, from MCP_SUSPECT_MS)' or 'heartbeatMs (500, default)', for relation messages. */
export function showOption (key: OptionKey, value: unknown, source: string | undefined): string {
  return `${key} (${describeValue(key, value)}, ${source === undefined ? 'default' : `from ${source}`})`
}
