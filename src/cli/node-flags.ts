import { Command, InvalidArgumentError, Option } from 'commander'
import { logLevels, placementPolicies, type NodeOptions, type OptionKey } from '../config/options.js'
import { optionKeys, optionSpecs } from '../config/option-specs.js'
import { parseOptionText } from '../config/option-text.js'
import { configFileEnv, envName, flagName } from '../config/names.js'

/** Argument placeholder and help for a valued flag; help for --x and --no-x of a boolean. */
type FlagHelp = { arg: string, help: string } | { on: string, off: string }

const flagHelp: { readonly [K in OptionKey]-?: FlagHelp } = {
  listen: { arg: '<multiaddr>', help: 'multiaddr to listen on, repeatable (default /ip4/0.0.0.0/tcp/0)' },
  peers: { arg: '<multiaddr>', help: 'peer to dial at start, repeatable (default none)' },
  mdns: { on: 'discover peers by mDNS (default on)', off: 'do not use mDNS; dial --peer addresses only' },
  cluster: { arg: '<name>', help: 'cluster name, [a-z0-9-]{1,32}; keeps clusters on one LAN apart (default mcp-cluster)' },
  http: { arg: '<host:port|off>', help: 'local HTTP endpoint (default 127.0.0.1:7070)' },
  httpToken: { arg: '<token>', help: 'bearer token for the HTTP endpoint, required unless it binds loopback; prefer the env var, flags show in ps' },
  dataDir: { arg: '<dir>', help: 'state directory (default $XDG_STATE_HOME/mcp-cluster or ~/.local/state/mcp-cluster)' },
  expect: { arg: '<n>', help: 'voters to wait for when forming the cluster (default 3)' },
  heartbeatMs: { arg: '<ms>', help: 'heartbeat interval (default 500)' },
  suspectMs: { arg: '<ms>', help: 'silence before a peer is suspect (default 1500)' },
  deadMs: { arg: '<ms>', help: 'silence before a peer is dead (default 3000)' },
  leaseMs: { arg: '<ms>', help: 'master lease length (default 1000)' },
  renewMs: { arg: '<ms>', help: 'master lease renewal interval (default 200)' },
  maxDriftMs: { arg: '<ms>', help: 'clock drift tolerated per lease (default 50)' },
  electionBackoffMs: { arg: '<ms>', help: 'base back-off between election attempts (default 150)' },
  replaceDeadVoterAfterMs: { arg: '<ms>', help: 'how long a voter stays dead before it is replaced (default 60000)' },
  slots: { arg: '<n>', help: 'concurrent task slots (default: CPU cores)' },
  cpus: { arg: '<n>', help: 'CPUs advertised to the scheduler (default: CPU cores)' },
  memoryBytes: { arg: '<bytes>', help: 'memory advertised to the scheduler (default: total memory)' },
  resources: { arg: '<name=amount>', help: 'resource this node offers, e.g. gpu=1, repeatable' },
  labels: { arg: '<name=value>', help: 'label task constraints can match, e.g. zone=lab, repeatable' },
  masterTasks: { on: 'let the master run tasks too (default on)', off: 'keep the master free of tasks' },
  placement: { arg: '<policy>', help: 'how the master picks a worker (default least-loaded)' },
  secretFile: { arg: '<file>', help: 'pre-shared key file; makes a private network (default none)' },
  logLevel: { arg: '<level>', help: 'log level (default info)' },
  maxQueue: { arg: '<n>', help: 'most tasks the master queues (default 100000)' },
  maxSubmitRate: { arg: '<n>', help: 'tasks per second the master accepts from one node (default 50000)' },
  maxPayloadBytes: { arg: '<bytes>', help: 'largest task payload or result (default 1048576)' },
  cacheMaxBytes: { arg: '<bytes>', help: 'memory for cached task results, 0 turns the cache off (default 33554432)' },
  submitTimeoutMs: { arg: '<ms>', help: 'how long a submission waits for a master (default 30000)' },
  builtinTasks: { on: 'register the built-in task types (default on)', off: 'do not register the built-in task types' },
  eventLog: { arg: '<file>', help: 'append this node\'s history (JSON lines) for the chaos checker (default none)' }
}

const choices: Partial<Record<OptionKey, readonly string[]>> = { placement: placementPolicies, logLevel: logLevels }

/**
 * Adds a flag for every NodeOptions field, plus --config. No flag gets a commander default,
 * so an absent flag leaves the value to the config file, environment or built-in default.
 */
export function addNodeFlags (cmd: Command): Command {
  cmd.addOption(new Option('--config <file>', `JSON config file (env ${configFileEnv})`))
  for (const key of optionKeys) {
    const h = flagHelp[key]
    const name = flagName(key)
    if ('on' in h) {
      // Both spellings, so a flag can override a file or variable either way.
      cmd.addOption(new Option(name, `${h.on} (env ${envName(key)})`))
      cmd.addOption(new Option(`--no-${name.slice(2)}`, h.off))
      continue
    }
    const option = new Option(`${name} ${h.arg}`, `${h.help} (env ${envName(key)})`)
    const allowed = choices[key]
    cmd.addOption(allowed === undefined ? option.argParser(flagParser(key)) : option.choices(allowed))
  }
  return cmd
}

/** Turns flag text into the option's type; repeated list and map flags accumulate. */
function flagParser (key: OptionKey): (text: string, previous: unknown) => unknown {
  const { kind, rule } = optionSpecs[key]
  return (text, previous) => {
    const parsed = parseOptionText(kind, text)
    if (!parsed.ok) throw new InvalidArgumentError(`It must be ${rule}.`)
    if (kind === 'string-list') return [...(Array.isArray(previous) ? previous : []), ...(parsed.value as string[])]
    if (kind === 'string-map' || kind === 'number-map') return { ...(previous as object | undefined), ...(parsed.value as object) }
    return parsed.value
  }
}

/**
 * The options the user actually typed, for resolveOptions({ flags, file }). Defaults commander
 * supplies (e.g. true for a --no-x flag) are left out so they cannot override file or env.
 */
export function flagsToOptions (cmd: Command): { flags: Partial<NodeOptions>, file?: string } {
  const given = cmd.opts()
  const flags: Record<string, unknown> = {}
  for (const key of optionKeys) {
    const attribute = new Option(flagName(key)).attributeName()
    if (cmd.getOptionValueSource(attribute) === 'cli') flags[key] = given[attribute]
  }
  const file = cmd.getOptionValueSource('config') === 'cli' ? given.config as string : undefined
  return file === undefined ? { flags } : { flags, file }
}
