// Codec for the election's direct messages. Strict: every field is checked, unknown fields are
// refused, and the decoded value is a fresh object holding only the known fields.
import { checkConfig, checkKnowledge } from '../core/election/config.js'
import { MAX_VOTERS } from '../core/election/params.js'
import type { ConfigKnowledge, ElectionMessage, VoterConfig } from '../core/election/types.js'
import { fail, isObject, ok, parseJsonBounded, preview, type DecodeResult } from './result.js'

/** Room for a request carrying two full voter sets (committed and in flight) of the longest ids. */
export const MAX_ELECTION_FRAME_BYTES = 8192

export const ELECTION_LIMITS = Object.freeze({
  idChars: 128,
  /** Durations a peer may state (remaining promise or lease): an hour is far beyond any sane lease. */
  durationMs: 3_600_000
})

const ID_PATTERN = /^[A-Za-z0-9]+$/
const KINDS = ['lease-request', 'lease-response', 'release', 'timeout-now', 'master-announce'] as const

export function encodeElection (msg: ElectionMessage): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, ...msg }))
}

export function decodeElection (bytes: Uint8Array): DecodeResult<ElectionMessage> {
  const parsed = parseJsonBounded(bytes, MAX_ELECTION_FRAME_BYTES)
  if (!parsed.ok) return fail(parsed.reason)
  const m = parsed.value
  if (!isObject(m)) return fail(`message: must be a JSON object, got ${preview(m)}`)
  if (m.v !== 1) return fail(`v: unsupported protocol version ${preview(m.v)}, expected 1`)
  try {
    switch (m.kind) {
      case 'lease-request':
        onlyFields(m, ['term', 'candidate', 'reqId', 'config'])
        return ok({
          kind: 'lease-request',
          term: count(m, 'term'),
          candidate: id(m, 'candidate'),
          reqId: count(m, 'reqId'),
          ...optionalKnowledge(m)
        })
      case 'lease-response':
        onlyFields(m, ['term', 'reqId', 'granted', 'promisedTerm', 'holder', 'remainingMs', 'config'])
        return ok({
          kind: 'lease-response',
          term: count(m, 'term'),
          reqId: count(m, 'reqId'),
          granted: bool(m, 'granted'),
          promisedTerm: count(m, 'promisedTerm'),
          holder: m.holder === null ? null : id(m, 'holder'),
          remainingMs: count(m, 'remainingMs', ELECTION_LIMITS.durationMs),
          ...optionalKnowledge(m)
        })
      case 'release':
        onlyFields(m, ['term'])
        return ok({ kind: 'release', term: count(m, 'term') })
      case 'timeout-now':
        onlyFields(m, ['term'])
        return ok({ kind: 'timeout-now', term: count(m, 'term') })
      case 'master-announce': {
        onlyFields(m, ['term', 'master', 'leaseRemainingMs', 'config'])
        const config = m.config === undefined ? null : voterConfig(m.config, 'config')
        if (config !== null) {
          const problem = checkConfig(config, 'config')
          if (problem !== null) throw new Invalid(problem)
        }
        return ok({
          kind: 'master-announce',
          term: count(m, 'term'),
          master: id(m, 'master'),
          leaseRemainingMs: count(m, 'leaseRemainingMs', ELECTION_LIMITS.durationMs),
          ...(config === null ? {} : { config })
        })
      }
      default:
        return fail(`kind: unknown message kind ${preview(m.kind)}, expected one of ${KINDS.join(', ')}`)
    }
  } catch (err) {
    if (err instanceof Invalid) return fail(err.message)
    throw err
  }
}

/** A rejected field; thrown only inside decodeElection, which turns it into a failed result. */
class Invalid extends Error {}

/** The optional `config` of requests and responses: absent means the bootstrap set, nothing in flight. */
function optionalKnowledge (m: Record<string, unknown>): { config?: ConfigKnowledge } {
  if (m.config === undefined) return {}
  const c = m.config
  if (!isObject(c)) throw new Invalid(`config: must be an object, got ${preview(c)}`)
  onlyFields(c, ['committed', 'pending'], 'config')
  const config: ConfigKnowledge = {
    committed: voterConfig(c.committed, 'config.committed'),
    pending: c.pending === null ? null : voterConfig(c.pending, 'config.pending')
  }
  const problem = checkKnowledge(config)
  if (problem !== null) throw new Invalid(`config: ${problem}`)
  return { config }
}

function voterConfig (value: unknown, path: string): VoterConfig {
  if (!isObject(value)) throw new Invalid(`${path}: must be an object, got ${preview(value)}`)
  onlyFields(value, ['version', 'term', 'voters'], path)
  const voters = value.voters
  if (!Array.isArray(voters) || voters.length === 0 || voters.length > MAX_VOTERS) {
    throw new Invalid(`${path}.voters: must be an array of 1..${MAX_VOTERS} ids, got ${preview(voters)}`)
  }
  return {
    version: count(value, 'version', Number.MAX_SAFE_INTEGER, path),
    term: count(value, 'term', Number.MAX_SAFE_INTEGER, path),
    voters: voters.map((v: unknown, i) => idValue(v, `${path}.voters[${i}]`))
  }
}

function onlyFields (m: Record<string, unknown>, fields: readonly string[], where?: string): void {
  for (const key of Object.keys(m)) {
    if ((where !== undefined || (key !== 'v' && key !== 'kind')) && !fields.includes(key)) {
      const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key // a peer's key must not make the reason long
      const path = where === undefined ? shown : `${where}.${shown}`
      throw new Invalid(`${path}: unknown field in ${where ?? String(m.kind)}, expected only ${fields.join(', ')}`)
    }
  }
}

function count (m: Record<string, unknown>, key: string, max = Number.MAX_SAFE_INTEGER, where?: string): number {
  const value = m[key]
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new Invalid(`${where === undefined ? key : `${where}.${key}`}: must be an integer in [0, ${max}], got ${preview(value)}`)
  }
  return value + 0 // -0 would not survive a re-encode: JSON writes it as 0
}

function id (m: Record<string, unknown>, key: string): string {
  return idValue(m[key], key)
}

function idValue (value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > ELECTION_LIMITS.idChars || !ID_PATTERN.test(value)) {
    throw new Invalid(`${path}: must be 1..${ELECTION_LIMITS.idChars} characters of [A-Za-z0-9], got ${preview(value)}`)
  }
  return value
}

function bool (m: Record<string, unknown>, key: string): boolean {
  const value = m[key]
  if (typeof value !== 'boolean') throw new Invalid(`${key}: must be true or false, got ${preview(value)}`)
  return value
}
