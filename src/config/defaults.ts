import { availableParallelism, homedir, totalmem } from 'node:os'
import { isAbsolute, join } from 'node:path'
import type { NodeOptions, ResolvedNodeOptions } from './options.js'

/**
 * XDG base-directory rule: $XDG_STATE_HOME if set to an absolute path, else ~/.local/state.
 * A pure function of its inputs so tests need not touch the real environment.
 */
export function defaultDataDir (env: NodeJS.ProcessEnv, home: string): string {
  const xdg = env.XDG_STATE_HOME
  const stateHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.local', 'state')
  return join(stateHome, 'mcp-cluster')
}

/** Every option at its default. The reasons for each value are on NodeOptions. */
export function defaultNodeOptions (env: NodeJS.ProcessEnv = process.env, home: string = homedir()): ResolvedNodeOptions {
  const cores = availableParallelism()
  return {
    listen: ['/ip4/0.0.0.0/tcp/0'],
    peers: [],
    mdns: true,
    cluster: 'mcp-cluster',
    http: '127.0.0.1:7070',
    httpToken: undefined,
    dataDir: defaultDataDir(env, home),
    expect: 3,
    heartbeatMs: 500,
    suspectMs: 1500,
    deadMs: 3000,
    leaseMs: 1000,
    renewMs: 200,
    maxDriftMs: 50,
    electionBackoffMs: 150,
    replaceDeadVoterAfterMs: 60000,
    slots: cores,
    cpus: cores,
    memoryBytes: totalmem(),
    resources: {},
    labels: {},
    masterTasks: true,
    placement: 'least-loaded',
    secretFile: undefined,
    logLevel: 'info',
    maxQueue: 100000,
    maxSubmitRate: 50000,
    maxPayloadBytes: 1048576,
    cacheMaxBytes: 33554432,
    submitTimeoutMs: 30000,
    builtinTasks: true,
    eventLog: undefined
  }
}

/**
 * Overrides for nodes that must stay on this machine (tests, examples): loopback only,
 * no multicast, no HTTP port to collide on. Spread it first: { ...localDefaults, expect: 1 }.
 */
export const localDefaults: Readonly<NodeOptions> = Object.freeze({
  listen: ['/ip4/127.0.0.1/tcp/0'],
  mdns: false,
  http: 'off'
})
