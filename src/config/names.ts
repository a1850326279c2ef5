import type { OptionKey } from './options.js'

/** The variable naming a config file; not an option itself. */
export const configFileEnv = 'MCP_CONFIG'

/** Environment variable for an option, derived mechanically: heartbeatMs -> MCP_HEARTBEAT_MS. */
export function envName (key: OptionKey): string {
  return 'MCP_' + key.replace(/[A-Z]/g, c => '_' + c).toUpperCase()
}

// Repeatable flags read better in the singular: --peer a --peer b.
const singularFlags: Partial<Record<OptionKey, string>> = { peers: 'peer', labels: 'label', resources: 'resource' }

/** Command-line flag for an option: heartbeatMs -> --heartbeat-ms, peers -> --peer. */
export function flagName (key: OptionKey): string {
  const name = singularFlags[key] ?? key.replace(/[A-Z]/g, c => '-' + c.toLowerCase())
  return '--' + name
}
