// One-line, deterministic renderings of election events and messages, for logs and traces.
import type { ConfigKnowledge, ElectionEvent, ElectionMessage, VoterConfig } from './types.js'

const ids = (list: readonly string[]): string => `[${list.join(',')}]`
const ms = (value: number): string => `${Math.round(value)}ms`

export function describeEvent (e: ElectionEvent): string {
  switch (e.type) {
    case 'elected': return `elected master at term ${e.term}, lease ${ms(e.leaseRemainingMs)}`
    case 'epoch-raised': return `master moved from term ${e.from} to term ${e.to}`
    case 'lost-lease': return `lost the master lease at term ${e.term}`
    case 'stepped-down': return `stepped down at term ${e.term}, handing over to ${e.handoffTo ?? 'nobody'}`
    case 'new-master': return `master is ${e.master} at term ${e.term}`
    case 'term-advanced': return `term advanced from ${e.from} to ${e.to}`
    case 'campaign-started': return `campaigning at term ${e.term}${e.immediate ? ' (handover)' : ''}`
    case 'campaign-failed': return `campaign at term ${e.term} failed: ${e.reason}; retry in ${ms(e.retryInMs)}`
    case 'voters-agreed': {
      const others = e.alternatives.length === 0 ? '' : ` (also reported: ${e.alternatives.map(ids).join(' ')})`
      return `voters agreed by ${e.via}: ${ids(e.voters)}${others}`
    }
    case 'voters-conflict': return `${e.reportedBy} reports voters ${ids(e.theirs)}, ours are ${ids(e.ours)}`
    case 'fenced': return `refused order from ${e.from} at epoch ${e.epoch}: ${e.reason}`
    case 'config-proposed': return `proposed voter set ${e.version}: ${e.change} ${e.voter} (${e.reason})`
    case 'voter-added': return `voter ${e.voter} added: voter set ${e.configVersion} is ${ids(e.voters)}`
    case 'voter-removed': return `voter ${e.voter} removed (${e.reason}): voter set ${e.configVersion} is ${ids(e.voters)}`
  }
}

export function describeMessage (m: ElectionMessage): string {
  switch (m.kind) {
    case 'lease-request': return `lease-request term=${m.term} candidate=${m.candidate} req=${m.reqId}${knowledge(m.config)}`
    case 'lease-response':
      return `lease-response term=${m.term} req=${m.reqId} ${m.granted ? 'granted' : 'refused'} ` +
        `promised=${m.promisedTerm}/${m.holder ?? '-'} remaining=${ms(m.remainingMs)}${knowledge(m.config)}`
    case 'release': return `release term=${m.term}`
    case 'timeout-now': return `timeout-now term=${m.term}`
    case 'master-announce': return `master-announce term=${m.term} master=${m.master} lease=${ms(m.leaseRemainingMs)}${m.config === undefined ? '' : ` voters=${entry(m.config)}`}`
  }
}

const entry = (c: VoterConfig): string => `v${c.version}@${c.term}${ids(c.voters)}`

function knowledge (k: ConfigKnowledge | undefined): string {
  if (k === undefined) return ''
  return ` voters=${entry(k.committed)}${k.pending === null ? '' : ` pending=${entry(k.pending)}`}`
}
