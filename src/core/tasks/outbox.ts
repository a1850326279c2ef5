// The raft-style output buffer shared by the task state machines: inputs append, the adapter
// takes everything with ready() and acknowledges with advance().
import type { NodeId } from '../types.js'
import type { Outgoing, TaskMessage } from './messages.js'

export class Outbox<Extra extends object> {
  private messages: Outgoing[] = []
  private extra: Extra

  constructor (private readonly emptyExtra: () => Extra) {
    this.extra = emptyExtra()
  }

  send (to: NodeId, msg: TaskMessage): void {
    this.messages.push({ to, msg })
  }

  /** Takes back unsent messages, e.g. ones a later message made redundant. */
  unsend (redundant: (o: Outgoing) => boolean): void {
    this.messages = this.messages.filter(o => !redundant(o))
  }

  /** The non-message outputs (settlements, start commands, events...), appended to in place. */
  get out (): Extra {
    return this.extra
  }

  ready (): { messages: Outgoing[] } & Extra {
    return { messages: this.messages, ...this.extra }
  }

  advance (): void {
    this.messages = []
    this.extra = this.emptyExtra()
  }
}
