import type { OptionKey, ResolvedNodeOptions } from './options.js'
import { parseHttpAddress, isLoopbackHost } from './http-address.js'

/** A rule tying options together; checked only once each option it reads is valid on its own. */
export interface Relation {
  keys: readonly OptionKey[]
  holds: (o: ResolvedNodeOptions) => boolean
  /** The message; `show(key)` renders "suspectMs (400, from MCP_SUSPECT_MS)". */
  problem: (o: ResolvedNodeOptions, show: (key: OptionKey) => string) => string
}

export const relations: readonly Relation[] = [
  {
    keys: ['heartbeatMs', 'suspectMs'],
    holds: o => o.heartbeatMs < o.suspectMs,
    problem: (_, show) => `${show('suspectMs')} must be greater than ${show('heartbeatMs')}: raise suspectMs or lower heartbeatMs`
  },
  {
    keys: ['heartbeatMs', 'suspectMs'],
    // Implied failure of the rule above is reported once, by that rule.
    holds: o => o.heartbeatMs >= o.suspectMs || o.suspectMs >= 2 * o.heartbeatMs,
    problem: (o, show) => `${show('suspectMs')} must be at least 2 * heartbeatMs (${2 * o.heartbeatMs}) so one lost heartbeat does not make a peer suspect: raise suspectMs or lower heartbeatMs`
  },
  {
    keys: ['suspectMs', 'deadMs'],
    holds: o => o.suspectMs < o.deadMs,
    problem: (_, show) => `${show('deadMs')} must be greater than ${show('suspectMs')}: a peer is suspected before it is declared dead; raise deadMs or lower suspectMs`
  },
  {
    keys: ['renewMs', 'leaseMs'],
    holds: o => o.renewMs < o.leaseMs / 2,
    problem: (o, show) => `${show('renewMs')} must be less than leaseMs / 2 (${o.leaseMs / 2}) so a master gets a second try at renewing before its lease ends: lower renewMs or raise leaseMs`
  },
  {
    keys: ['maxDriftMs', 'leaseMs'],
    holds: o => o.maxDriftMs < o.leaseMs / 4,
    problem: (o, show) => `${show('maxDriftMs')} must be less than leaseMs / 4 (${o.leaseMs / 4}) or drift eats the lease: lower maxDriftMs or raise leaseMs`
  },
  {
    keys: ['replaceDeadVoterAfterMs', 'deadMs'],
    holds: o => o.replaceDeadVoterAfterMs >= o.deadMs,
    problem: (_, show) => `${show('replaceDeadVoterAfterMs')} must be at least ${show('deadMs')}: a voter cannot be replaced before it is known to be dead`
  },
  {
    keys: ['http', 'httpToken'],
    holds: o => o.httpToken !== undefined || o.http === 'off' || isLoopbackHost(parseHttpAddress(o.http)?.host ?? ''),
    problem: (_, show) => `option "httpToken" is required because ${show('http')} binds a host other machines can reach: pass --http-token or set MCP_HTTP_TOKEN, or bind 127.0.0.1`
  }
]
