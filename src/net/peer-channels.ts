// Direct, ordered, best-effort message channels: one long-lived outbound stream per peer on
// one protocol, carrying length-prefixed frames. Opening a stream per message costs ~20x
// (measured), and abandoned streams exhaust libp2p's per-connection stream limit.
// Callers' state machines own retries: a frame sent on a stream that breaks may be lost.
// Outbound frames are length-prefixed here and everything queued for a peer leaves as one
// chunk: each chunk costs a yamux frame, a noise message and a socket write (it-length-prefixed's
// encoder would write the prefix and the frame as two chunks each).
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream, Connection } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import type { Logger } from 'pino'
import type { ClusterLibp2p } from './libp2p.js'
import { LogThrottle } from '../core/tasks/rate-limit.js'

export interface PeerChannelsOptions {
  protocol: string
  maxFrameBytes: number
  /** Frames queued for one peer beyond this are dropped (and counted): a stuck peer must not eat memory. */
  maxQueuedFrames: number
  dialTimeoutMs: number
  onFrame: (from: string, frame: Uint8Array) => void
  log: Logger
}

/** it-length-prefixed's errors for a frame over the limit or a malformed length prefix. */
const FRAMING_ERRORS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'InvalidMessageLengthError'])

/** Above this many queued bytes a chunk is cut (a single larger frame still goes alone). */
const MAX_CHUNK_BYTES = 1024 * 1024

/** Unsigned LEB128, the length prefix it-length-prefixed reads. */
function varintLength (n: number): number {
  let bytes = 1
  while (n >= 0x80) { n = Math.floor(n / 0x80); bytes++ }
  return bytes
}

function writeVarint (n: number, into: Uint8Array, at: number): number {
  while (n >= 0x80) {
    into[at++] = (n % 0x80) | 0x80
    n = Math.floor(n / 0x80)
  }
  into[at++] = n
  return at
}

/**
 * The frames waiting for one peer's stream. The stream pulls a chunk whenever it is ready for
 * one; the chunk holds every frame queued since the last pull, so frames queued in one turn (or
 * while the stream was busy) share one write.
 */
export class FrameQueue implements AsyncIterable<Uint8Array> {
  private frames: Uint8Array[] = []
  private head = 0
  private ended = false
  private wake: (() => void) | null = null
  private readonly emptyWaiters: Array<() => void> = []

  /** Frames queued and not yet handed to the stream. */
  get length (): number {
    return this.frames.length - this.head
  }

  push (frame: Uint8Array): void {
    if (this.ended) return
    this.frames.push(frame)
    this.wake?.()
  }

  end (): void {
    this.ended = true
    this.wake?.()
  }

  /** Resolves once every queued frame has been handed to the stream (or the queue ended). */
  async onEmpty (): Promise<void> {
    if (this.length === 0 || this.ended) return
    await new Promise<void>((resolve) => { this.emptyWaiters.push(resolve) })
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      for (;;) {
        while (this.length === 0 && !this.ended) {
          await new Promise<void>((resolve) => { this.wake = resolve })
          this.wake = null
        }
        if (this.length === 0) return
        yield this.take()
      }
    } finally {
      // The stream is done with us (ended, or it broke): nothing queued will be handed over.
      this.ended = true
      this.settleEmpty()
    }
  }

  /** Length-prefixed frames from the head, concatenated, up to MAX_CHUNK_BYTES (at least one). */
  private take (): Uint8Array {
    let end = this.head
    let size = 0
    while (end < this.frames.length) {
      const f = this.frames[end] as Uint8Array
      const next = size + varintLength(f.byteLength) + f.byteLength
      if (end > this.head && next > MAX_CHUNK_BYTES) break
      size = next
      end++
    }
    const chunk = new Uint8Array(size)
    let at = 0
    for (let i = this.head; i < end; i++) {
      const f = this.frames[i] as Uint8Array
      at = writeVarint(f.byteLength, chunk, at)
      chunk.set(f, at)
      at += f.byteLength
    }
    if (end === this.frames.length) {
      this.frames = []
      this.head = 0
      this.settleEmpty()
    } else {
      this.head = end
    }
    return chunk
  }

  private settleEmpty (): void {
    for (const resolve of this.emptyWaiters.splice(0)) resolve()
  }
}

interface Outbound {
  queue: FrameQueue
  opened: Promise<void>
}

export class PeerChannels {
  private readonly outbound = new Map<string, Outbound>()
  private readonly inbound = new Set<Stream>()
  private running = false
  /** A peer breaking the framing rules does so on every stream it opens: log it once in a while. */
  private readonly framingLogs = new LogThrottle(10_000)
  droppedFrames = 0

  constructor (private readonly node: ClusterLibp2p, private readonly opts: PeerChannelsOptions) {}

  async start (): Promise<void> {
    this.running = true
    await this.node.handle(this.opts.protocol, ({ stream, connection }) => { this.readInbound(stream, connection) }, {
      maxInboundStreams: 8,
      maxOutboundStreams: 8
    })
  }

  async stop (): Promise<void> {
    this.running = false
    await this.node.unhandle(this.opts.protocol)
    for (const out of this.outbound.values()) out.queue.end()
    this.outbound.clear()
    for (const s of this.inbound) s.abort(new Error('node stopping'))
    this.inbound.clear()
  }

  /** Queue a frame for a peer; returns false when it was dropped at once. */
  send (peer: string, frame: Uint8Array): boolean {
    if (!this.running) return false
    let out = this.outbound.get(peer)
    if (out == null) out = this.open(peer)
    if (out.queue.length >= this.opts.maxQueuedFrames) {
      this.droppedFrames++
      return false
    }
    out.queue.push(frame)
    return true
  }

  /** Wait until every queued frame to `peer` has been handed to the stream (best effort). */
  async flushed (peer: string): Promise<void> {
    const out = this.outbound.get(peer)
    if (out == null) return
    await out.opened.catch(() => {})
    await out.queue.onEmpty()
  }

  private open (peer: string): Outbound {
    const queue = new FrameQueue()
    const out: Outbound = { queue, opened: Promise.resolve() }
    this.outbound.set(peer, out)
    const drop = (err?: unknown): void => {
      if (this.outbound.get(peer) === out) this.outbound.delete(peer)
      queue.end()
      if (err != null) this.opts.log.debug({ peer, protocol: this.opts.protocol, err: String(err) }, 'outbound stream closed')
    }
    out.opened = (async () => {
      const stream = await this.node.dialProtocol(peerIdFromString(peer), this.opts.protocol, {
        signal: AbortSignal.timeout(this.opts.dialTimeoutMs)
      })
      // The remote never writes on our outbound stream; reading it notices a reset promptly.
      void pipe(stream.source, async (src) => { for await (const _ of src) { /* ignore */ } }).catch(drop)
      pipe(queue, stream.sink).then(() => drop(), drop)
    })()
    out.opened.catch(drop)
    return out
  }

  private readInbound (stream: Stream, connection: Connection): void {
    const from = connection.remotePeer.toString()
    this.inbound.add(stream)
    const onFrame = this.opts.onFrame
    void pipe(
      stream.source,
      (src) => lp.decode(src, { maxDataLength: this.opts.maxFrameBytes }),
      async (frames) => {
        for await (const frame of frames) {
          try {
            onFrame(from, frame.subarray())
          } catch (err) {
            // A handler bug must not kill the stream for everyone else; log it loudly.
            this.opts.log.error({ from, protocol: this.opts.protocol, err }, 'frame handler threw')
          }
        }
      }
    ).catch((err: unknown) => {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      if (err instanceof Error && FRAMING_ERRORS.has(err.name)) {
        const held = this.framingLogs.fields(from, performance.now())
        if (held !== null) this.opts.log.warn({ from, protocol: this.opts.protocol, reason, ...held }, 'closing inbound stream that broke the framing rules')
        stream.abort(err)
      } else {
        this.opts.log.debug({ from, protocol: this.opts.protocol, reason }, 'inbound stream closed')
      }
    }).finally(() => {
      this.inbound.delete(stream)
      // The remote ended its side: close ours too, so the stream stops counting against the limit.
      if (stream.status === 'open') stream.close().catch(() => { stream.abort(new Error('close failed')) })
    })
  }
}
