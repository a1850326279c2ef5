// One text per JSON value whatever the key order, so that equal payloads hash to the same cache key.
import type { JsonValue } from '../tasks/types.js'

/** JSON text with every object's keys sorted (arrays keep their order). */
export function canonicalJson (value: JsonValue): string {
  return JSON.stringify(value, sortedKeys) ?? 'null'
}

function sortedKeys (_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const record = value as Record<string, unknown>
  const sorted: Record<string, unknown> = {}
  // Object.defineProperty, not assignment: a "__proto__" key must stay a plain key.
  for (const key of Object.keys(record).sort()) Object.defineProperty(sorted, key, { value: record[key], enumerable: true })
  return sorted
}
