// One deterministic line per membership event, so tests and logs read like a timeline.
import type { MembershipEvent } from './events.js'

export function describe (events: readonly MembershipEvent[]): string[] {
  return events.map(describeEvent)
}

export function describeEvent (e: MembershipEvent): string {
  const head = `t=${e.at} ${e.type} ${e.id}`
  switch (e.type) {
    case 'join': return `${head} incarnation=${e.incarnation}`
    case 'suspect': return `${head} last-seen=${e.lastSeenAt}`
    case 'dead': return `${head} reason=${e.reason}`
    case 'recover': return `${head} from=${e.from}${e.restarted ? ' restarted' : ''}`
    case 'restart': return `${head} incarnation=${e.previousIncarnation}->${e.incarnation}`
    case 'update': return `${head} changed=${e.changed.join(',')}`
    case 'forget': return head
  }
}
