// The one options type shared by the library (`createNode(options)`) and the CLI
// (`mcp-cluster start`). Every field is optional; resolveOptions fills the rest from
// defaults, the config file and MCP_* environment variables.

import type { ScoreFn } from '../core/scheduler/policy.js'

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof logLevels[number]

export const placementPolicies = ['least-loaded', 'binpack', 'spread'] as const
export type PlacementPolicyName = typeof placementPolicies[number]

/**
 * A named placement policy, or (library only) a scoring function: lower is better, and a
 * non-finite score rules the node out (see docs/scheduling.md).
 */
export type PlacementPolicyOption = PlacementPolicyName | ScoreFn

export interface NodeOptions {
  /** Multiaddrs to listen on. Default ['/ip4/0.0.0.0/tcp/0']: every interface, an OS-chosen port, so LAN peers can dial in. */
  listen?: string[]
  /** Peers to dial at start, as multiaddrs with or without /p2p/<id>. Default []: mDNS finds peers on the LAN. */
  peers?: string[]
  /** Discover peers by mDNS. Default true: zero-config on a LAN; turn off where multicast is unwanted or absent. */
  mdns?: boolean
  /** Cluster name, [a-z0-9-]{1,32}. Default 'mcp-cluster'. Scopes the mDNS service tag and gossip topic so clusters on one LAN stay apart. */
  cluster?: string
  /** 'host:port' of the local HTTP endpoint, or 'off'. Default '127.0.0.1:7070': reachable from this machine only. */
  http?: string
  /** Bearer token for the HTTP endpoint. Default none; required when `http` binds a non-loopback host, because anyone on the network could submit tasks otherwise. */
  httpToken?: string
  /** Where the node keeps its identity key and state. Default `$XDG_STATE_HOME/mcp-cluster`, else `~/.local/state/mcp-cluster` (XDG base directories). */
  dataDir?: string
  /** Voters to wait for when forming the cluster, integer >= 1. Default 3: the smallest voter set that survives one failure. */
  expect?: number
  /** Interval between heartbeats, ms. Default 500. */
  heartbeatMs?: number
  /** Silence after which a peer is suspect, ms. Default 1500: three missed heartbeats, so one lost packet does not raise suspicion. */
  suspectMs?: number
  /** Silence after which a peer is dead and its tasks are rescheduled, ms. Default 3000. */
  deadMs?: number
  /** Length of the master lease, ms. Default 1000: the longest a cluster waits for a new master after the old one dies. */
  leaseMs?: number
  /** Interval at which the master renews its lease, ms. Default 200: leaves several renewal attempts per lease. */
  renewMs?: number
  /** Clock drift tolerated between nodes over one lease, ms. Default 50. The old master stops acting this much before its lease ends. */
  maxDriftMs?: number
  /** Base back-off before a candidate retries a failed election, ms; jittered to break split votes. Default 150. */
  electionBackoffMs?: number
  /** How long a voter must stay dead before a live node replaces it in the voter set, ms. Default 60000: long enough to ride out a reboot. */
  replaceDeadVoterAfterMs?: number
  /** Concurrent task slots, integer >= 0. Default: the number of CPU cores. 0 makes a node that never runs tasks. */
  slots?: number
  /** CPUs advertised to the scheduler. Default: os.availableParallelism(). */
  cpus?: number
  /** Memory advertised to the scheduler, bytes. Default: os.totalmem(). */
  memoryBytes?: number
  /** User-defined resources tasks can request, e.g. { gpu: 1 }. Default {}. */
  resources?: Record<string, number>
  /** User-defined labels task constraints match, e.g. { zone: 'lab' }. Default {}. */
  labels?: Record<string, string>
  /** Whether the master also runs tasks. Default true: small clusters should not idle a node; turn off for large ones. */
  masterTasks?: boolean
  /** How the master picks a worker. Default 'least-loaded'. */
  placement?: PlacementPolicyOption
  /** File holding the cluster's pre-shared key (libp2p private network). Default none: any peer that finds the cluster may join. */
  secretFile?: string
  /** Log level. Default 'info'. */
  logLevel?: LogLevel
  /** Most tasks the master queues before refusing submissions. Default 100000: bounds master memory. */
  maxQueue?: number
  /** Tasks per second the master accepts from one submitting node (bursts up to one second's worth); more are refused with "rate-limited". Default 50000: above what one master can place, so only a flood hits it. */
  maxSubmitRate?: number
  /** Largest task payload or result accepted, bytes. Default 1048576 (1 MiB): keeps one task from hogging a stream. */
  maxPayloadBytes?: number
  /** Memory for cached results of deterministic tasks, bytes; 0 turns the cache off. Default 33554432 (32 MiB). */
  cacheMaxBytes?: number
  /** How long a submission waits for a master to exist, ms. Default 30000: covers an election and a slow start. */
  submitTimeoutMs?: number
  /** Register the built-in task types. Default true: a fresh cluster can run something useful with no code. */
  builtinTasks?: boolean
  /** Append this node's history (role changes, orders sent, accepted or refused, tasks started and finished) to this JSON-lines file, for the chaos checker. Default none. */
  eventLog?: string
}

/** Options after resolution: every field present; only the secrets and the event log may stay unset. */
export type ResolvedNodeOptions = Required<Omit<NodeOptions, 'httpToken' | 'secretFile' | 'eventLog'>> & {
  httpToken: string | undefined
  secretFile: string | undefined
  eventLog: string | undefined
}

export type OptionKey = keyof NodeOptions
