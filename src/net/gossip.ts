// Heartbeat gossip over gossipsub. Every message is signed by its author (StrictSign) and
// passes a topic validator before it touches the membership view: malformed or forged
// messages are rejected (which lowers the forwarding peer's gossipsub score), stale ones
// ignored (dropped without penalty).
import { TopicValidatorResult, type Message, type PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { ClusterLibp2p } from './libp2p.js'

export type GossipVerdict = 'accept' | 'ignore' | 'reject'

export interface HeartbeatGossipOptions {
  topic: string
  /** Decode, check and apply one message from its signed author; return the verdict. */
  onMessage: (from: string, data: Uint8Array) => GossipVerdict
  log: Logger
}

const VERDICT: Record<GossipVerdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject
}

export class HeartbeatGossip {
  published = 0
  received = 0
  rejected = 0

  constructor (private readonly node: ClusterLibp2p, private readonly opts: HeartbeatGossipOptions) {}

  start (): void {
    const pubsub = this.node.services.pubsub
    // The validator is where messages are applied: one decode per message, and the verdict
    // is exactly the outcome of applying it.
    pubsub.topicValidators.set(this.opts.topic, (_propagationSource: PeerId, msg: Message) => {
      if (msg.type !== 'signed') {
        this.rejected++
        return TopicValidatorResult.Reject
      }
      let verdict: GossipVerdict
      try {
        verdict = this.opts.onMessage(msg.from.toString(), msg.data)
      } catch (err) {
        // Our own failure, not the sender's: do not lower an honest peer's score.
        this.opts.log.error({ err }, 'heartbeat handler threw')
        verdict = 'ignore'
      }
      if (verdict === 'accept') this.received++
      if (verdict === 'reject') this.rejected++
      return VERDICT[verdict]
    })
    pubsub.subscribe(this.opts.topic)
  }

  async publish (data: Uint8Array): Promise<void> {
    try {
      await this.node.services.pubsub.publish(this.opts.topic, data)
      this.published++
    } catch (err) {
      this.opts.log.debug({ err: String(err) }, 'heartbeat publish failed')
    }
  }

  stop (): void {
    const pubsub = this.node.services.pubsub
    pubsub.unsubscribe(this.opts.topic)
    pubsub.topicValidators.delete(this.opts.topic)
  }
}
