import { logLevels, placementPolicies, type OptionKey } from './options.js'
import { parseHttpAddress } from './http-address.js'

/** How an option is spelled as text (env vars, flags); in a config file it takes the matching JSON type. */
export type OptionKind = 'boolean' | 'string' | 'integer' | 'number' | 'string-list' | 'string-map' | 'number-map'

export interface OptionSpec {
  kind: OptionKind
  /** Completes "must be ..." in messages; says what a good value looks like. */
  rule: string
  /** Type and range check of one value. Relations between options live in validate.ts. */
  accepts: (value: unknown) => boolean
  /** May stay unset after resolution. */
  optional?: true
  /** Never echoed in messages. */
  secret?: true
}

/** Values gathered from one source, not yet checked. */
export type OptionValues = Partial<Record<OptionKey, unknown>>

/** Where each option's value came from ('MCP_EXPECT', '--expect', 'config file x.json', ...); absent means default. */
export type OptionSources = Partial<Record<OptionKey, string>>

const NAME = /^[A-Za-z0-9_.-]{1,64}$/
/** A task carrying its payload must fit one 4 MiB task frame (src/wire/tasks.ts) with room for its other fields. */
const MAX_PAYLOAD_BYTES = 3 * 1024 * 1024
const CLUSTER = /^[a-z0-9-]{1,32}$/

const isString = (v: unknown): v is string => typeof v === 'string'
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function integer (min: number, what = 'an integer'): OptionSpec {
  return { kind: 'integer', rule: `${what} >= ${min}`, accepts: v => Number.isSafeInteger(v) && (v as number) >= min }
}
const millis = (min: number): OptionSpec => integer(min, 'a whole number of milliseconds')
const flag: OptionSpec = { kind: 'boolean', rule: 'true or false', accepts: v => typeof v === 'boolean' }
const path: OptionSpec = { kind: 'string', rule: 'a non-empty path', accepts: v => isString(v) && v.length > 0 }
const multiaddrs: OptionSpec = {
  kind: 'string-list',
  rule: 'a list of multiaddrs such as /ip4/192.168.1.5/tcp/4001',
  accepts: v => Array.isArray(v) && v.every(isString)
}
function oneOf (values: readonly string[], extra = ''): OptionSpec {
  return { kind: 'string', rule: `one of ${values.join(', ')}${extra}`, accepts: v => isString(v) && values.includes(v) }
}

export const optionSpecs: { readonly [K in OptionKey]-?: OptionSpec } = {
  listen: multiaddrs,
  peers: multiaddrs,
  mdns: flag,
  cluster: { kind: 'string', rule: '1 to 32 characters from a-z, 0-9 and -', accepts: v => isString(v) && CLUSTER.test(v) },
  http: {
    kind: 'string',
    rule: '"off" or host:port with a port from 0 to 65535 (IPv6 as [::1]:7070)',
    accepts: v => isString(v) && (v === 'off' || parseHttpAddress(v) !== undefined)
  },
  httpToken: { kind: 'string', rule: 'a non-empty string', accepts: v => isString(v) && v.length > 0, optional: true, secret: true },
  dataDir: path,
  expect: integer(1),
  heartbeatMs: millis(1),
  suspectMs: millis(1),
  deadMs: millis(1),
  leaseMs: millis(1),
  renewMs: millis(1),
  maxDriftMs: millis(0),
  electionBackoffMs: millis(1),
  replaceDeadVoterAfterMs: millis(1),
  slots: integer(0),
  cpus: { kind: 'number', rule: 'a number > 0', accepts: v => typeof v === 'number' && Number.isFinite(v) && v > 0 },
  memoryBytes: integer(1),
  resources: {
    kind: 'number-map',
    rule: 'name=amount pairs, names of 1 to 64 characters from A-Z, a-z, 0-9, _ . -, amounts finite numbers >= 0',
    accepts: v => isRecord(v) && Object.entries(v).every(([k, n]) =>
      NAME.test(k) && typeof n === 'number' && Number.isFinite(n) && n >= 0)
  },
  labels: {
    kind: 'string-map',
    rule: 'name=value pairs, names of 1 to 64 characters from A-Z, a-z, 0-9, _ . -, values strings',
    accepts: v => isRecord(v) && Object.entries(v).every(([k, s]) => NAME.test(k) && isString(s))
  },
  masterTasks: flag,
  placement: {
    ...oneOf(placementPolicies, ' (or, from the library, a scoring function)'),
    accepts: v => typeof v === 'function' || (isString(v) && (placementPolicies as readonly string[]).includes(v))
  },
  secretFile: { ...path, optional: true },
  logLevel: oneOf(logLevels),
  maxQueue: integer(1),
  maxSubmitRate: integer(1),
  maxPayloadBytes: {
    kind: 'integer',
    rule: `an integer from 1 to ${MAX_PAYLOAD_BYTES} (3 MiB: a task and its payload must fit one 4 MiB frame)`,
    accepts: v => Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= MAX_PAYLOAD_BYTES
  },
  cacheMaxBytes: integer(0),
  submitTimeoutMs: millis(1),
  builtinTasks: flag,
  eventLog: { ...path, optional: true }
}

export const optionKeys = Object.keys(optionSpecs) as OptionKey[]

export function isOptionKey (name: string): name is OptionKey {
  return Object.hasOwn(optionSpecs, name)
}
