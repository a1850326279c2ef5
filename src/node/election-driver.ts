// Runs the pure election over direct streams: ticks it, feeds it messages, persists its
// promises before anything it says leaves the node, and sends what it asks to send.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { checkPersistedConfig } from '../core/election/config.js'
import { Election } from '../core/election/election.js'
import type { ElectionEvent, ElectionParams, PersistedElectionState } from '../core/election/types.js'
import { seededRng } from '../core/random.js'
import { decodeElection, encodeElection } from '../wire/election.js'
import type { PeerChannels } from '../net/peer-channels.js'
import type { Clock } from './clock.js'
import { writeFileSyncAtomic } from './atomic-file.js'

export const ELECTION_STATE_FILE = 'election.json'

export interface ElectionDriverOptions {
  selfId: string
  dataDir: string
  params: ElectionParams
  clock: Clock
  log: Logger
  /** Every node we could address with 'all' (alive members). */
  peers: () => string[]
  onEvents: (events: ElectionEvent[]) => void
}

export class ElectionDriver {
  readonly election: Election
  private channels?: PeerChannels
  private lastPersisted = ''

  constructor (private readonly opts: ElectionDriverOptions) {
    const persisted = loadElectionState(opts.dataDir)
    this.lastPersisted = persisted == null ? '' : JSON.stringify(persisted)
    // Jitter only needs to differ between nodes; the seed makes a node's own run replayable.
    const seed = Number.parseInt(opts.selfId.slice(-8).replace(/[^0-9a-f]/gi, '0'), 16) ^ (Date.now() & 0xffff)
    this.election = new Election(opts.selfId, opts.params, seededRng(seed), opts.clock.now(), persisted)
  }

  attach (channels: PeerChannels): void {
    this.channels = channels
  }

  readonly onFrame = (from: string, frame: Uint8Array): void => {
    const decoded = decodeElection(frame)
    if (!decoded.ok) {
      this.opts.log.warn({ from, reason: decoded.reason }, 'dropped malformed election message')
      return
    }
    this.election.step(from, decoded.value, this.opts.clock.now())
    this.flush()
  }

  tick (): void {
    this.election.tick(this.opts.clock.now())
    this.flush()
  }

  /** Apply what the state machine produced: persist first, then send, then report. */
  flush (): void {
    const ready = this.election.ready()
    if (ready.persist != null) this.persist(ready.persist)
    for (const { to, msg } of ready.messages) {
      const frame = encodeElection(msg)
      const targets = to === 'all' ? this.opts.peers() : [to]
      for (const peer of targets) {
        if (peer !== this.opts.selfId) this.channels?.send(peer, frame)
      }
    }
    this.election.advance()
    if (ready.events.length > 0) this.opts.onEvents(ready.events)
  }

  private persist (state: PersistedElectionState): void {
    const text = JSON.stringify(state)
    if (text === this.lastPersisted) return
    writeFileSyncAtomic(join(this.opts.dataDir, ELECTION_STATE_FILE), text)
    this.lastPersisted = text
  }
}

/** Reads the persisted promise; a corrupt file is an error at start, never a silent reset. */
export function loadElectionState (dataDir: string): PersistedElectionState | undefined {
  const path = join(dataDir, ELECTION_STATE_FILE)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw new Error(`cannot read election state ${path}: ${err?.message ?? err}`)
  }
  let value: any
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error(`election state ${path} is corrupt (not JSON); if this node's data dir was damaged, move it away and the node will rejoin as a new worker`)
  }
  const termsOk = Number.isSafeInteger(value?.promisedTerm) && Number.isSafeInteger(value?.highestTerm) &&
    (value?.masterEpoch === undefined || Number.isSafeInteger(value.masterEpoch))
  const idsOk = (value?.holder === null || typeof value?.holder === 'string') &&
    (value?.master === undefined || value.master === null || typeof value.master === 'string')
  const votersOk = value?.voters === null || (Array.isArray(value?.voters) && value.voters.every((v: unknown) => typeof v === 'string'))
  if (!termsOk || !idsOk || !votersOk) {
    throw new Error(`election state ${path} is not an mcp-cluster election state; move it away to start afresh`)
  }
  const configProblem = checkPersistedConfig(value)
  if (configProblem !== null) throw new Error(`election state ${path} has an invalid voter configuration (${configProblem}); move it away to start afresh`)
  return value as PersistedElectionState
}
