// One-line, deterministic renderings of election events and messages, for logs and traces.
import type { ElectionEvent, ElectionMessage } from './types.js'

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
  }
}

export function describeMessage (m: ElectionMessage): string {
  switch (m.kind) {
    case 'lease-request': return `lease-request term=${m.term} candidate=${m.candidate} req=${m.reqId}`
    case 'lease-response':
      return `lease-response term=${m.term} req=${m.reqId} ${m.granted ? 'granted' : 'refused'} ` +
        `promised=${m.promisedTerm}/${m.holder ?? '-'} remaining=${ms(m.remainingMs)}`
    case 'release': return `release term=${m.term}`
    case 'timeout-now': return `timeout-now term=${m.term}`
    case 'master-announce': return `master-announce term=${m.term} master=${m.master} lease=${ms(m.leaseRemainingMs)}`
  }
}
