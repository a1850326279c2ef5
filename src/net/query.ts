// The query protocol: one short-lived stream per request, carrying one length-prefixed request
// and one length-prefixed response. Rare and small (doctor probes, `tasks explain` asking the
// master), so a stream each is cheap enough and keeps the protocol stateless. Every stream ends
// (closed, or aborted on a bad frame or a deadline), so none lingers against libp2p's limits.
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import type { Logger } from 'pino'
import type { ClusterLibp2p } from './libp2p.js'
import { QUERY_PROTOCOL } from './protocols.js'
import {
  QUERY_LIMITS, decodeQueryRequest, decodeQueryResponse, encodeQueryRequest, encodeQueryResponse,
  type QueryRequest, type QueryResponse, type TaskAnswer
} from '../wire/query.js'

/** A peer has this long to send its request and take the answer. */
const SERVE_TIMEOUT_MS = 5000
/** Queries in flight per connection and direction: doctor probes one at a time per peer. */
const MAX_STREAMS = 8

export interface QueryServerOptions {
  /** What this node knows of a task, or undefined (TaskDriver.task). */
  task: (id: string) => Pick<Extract<TaskAnswer, { found: true }>, 'view' | 'result' | 'pending'> | undefined
  log: Logger
}

export async function serveQueries (node: ClusterLibp2p, opts: QueryServerOptions): Promise<void> {
  await node.handle(QUERY_PROTOCOL, ({ stream, connection }) => {
    void serveOne(stream, connection.remotePeer.toString(), opts)
  }, { maxInboundStreams: MAX_STREAMS, maxOutboundStreams: MAX_STREAMS })
}

function answer (req: QueryRequest, opts: QueryServerOptions): QueryResponse {
  switch (req.kind) {
    case 'time':
      return { kind: 'time', wallMs: Date.now(), monoMs: performance.now() }
    case 'task': {
      const known = opts.task(req.id)
      if (known === undefined) return { kind: 'task', id: req.id, found: false }
      // Field by field: whatever else the node keeps about a task is not part of the protocol.
      return {
        kind: 'task',
        id: req.id,
        found: true,
        pending: known.pending,
        ...(known.view !== undefined ? { view: known.view } : {}),
        ...(known.result !== undefined ? { result: known.result } : {})
      }
    }
  }
}

async function serveOne (stream: Stream, from: string, opts: QueryServerOptions): Promise<void> {
  const timer = setTimeout(() => { stream.abort(new Error(`no request within ${SERVE_TIMEOUT_MS} ms`)) }, SERVE_TIMEOUT_MS)
  try {
    const frame = await firstFrame(stream, QUERY_LIMITS.requestBytes)
    const req = frame === null ? { ok: false as const, reason: 'the stream ended without a request' } : decodeQueryRequest(frame)
    if (!req.ok) {
      opts.log.debug({ from, reason: req.reason }, 'closing query stream: bad request')
      stream.abort(new Error(req.reason))
      return
    }
    let res: QueryResponse
    try {
      res = answer(req.value, opts)
    } catch (err) {
      opts.log.error({ from, err }, 'answering a query failed')
      res = { kind: 'error', reason: 'the node could not answer' }
    }
    await stream.sink([lp.encode.single(encodeQueryResponse(res)).subarray()])
    await stream.close()
  } catch (err) {
    opts.log.debug({ from, reason: err instanceof Error ? err.message : String(err) }, 'query stream closed')
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  } finally {
    clearTimeout(timer)
  }
}

/** The first length-prefixed frame on the stream, or null if it ends first; throws on a framing error. */
async function firstFrame (stream: Stream, maxBytes: number): Promise<Uint8Array | null> {
  for await (const frame of lp.decode(stream.source, { maxDataLength: maxBytes })) return frame.subarray()
  return null
}

/** A response with when the request left and the response arrived, on both local clocks. */
export interface Asked {
  response: QueryResponse
  sentWallMs: number
  receivedWallMs: number
  sentMonoMs: number
  receivedMonoMs: number
}

/** `unsupported`: the peer does not serve the query protocol at all (an older version). */
export type AskResult = { ok: true, value: Asked } | { ok: false, reason: string, unsupported?: boolean }

/** Ask a peer one question. Never throws: a failure (unreachable, timeout, bad answer) says why. */
export async function ask (node: ClusterLibp2p, peer: string, req: QueryRequest, timeoutMs: number): Promise<AskResult> {
  const deadline = AbortSignal.timeout(timeoutMs)
  let stream: Stream | undefined
  const onDeadline = (): void => { stream?.abort(new Error(`no answer within ${timeoutMs} ms`)) }
  try {
    stream = await node.dialProtocol(peerIdFromString(peer), QUERY_PROTOCOL, { signal: deadline })
    deadline.addEventListener('abort', onDeadline, { once: true })
    if (deadline.aborted) onDeadline()
    const request = lp.encode.single(encodeQueryRequest(req)).subarray()
    const sentMonoMs = performance.now()
    const sentWallMs = Date.now()
    const [, frame] = await Promise.all([stream.sink([request]), firstFrame(stream, QUERY_LIMITS.responseBytes)])
    const receivedMonoMs = performance.now()
    const receivedWallMs = Date.now()
    await stream.close().catch(() => {})
    if (frame === null) return { ok: false, reason: 'the peer closed the stream without answering' }
    const decoded = decodeQueryResponse(frame)
    if (!decoded.ok) return { ok: false, reason: `the peer's answer is invalid: ${decoded.reason}` }
    if (decoded.value.kind === 'error') return { ok: false, reason: `the peer could not answer: ${decoded.value.reason}` }
    return { ok: true, value: { response: decoded.value, sentWallMs, receivedWallMs, sentMonoMs, receivedMonoMs } }
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new Error(String(err)))
    if (deadline.aborted) return { ok: false, reason: `no answer within ${timeoutMs} ms` }
    if (err instanceof Error && err.name === 'UnsupportedProtocolError') return { ok: false, reason: 'it does not serve the query protocol', unsupported: true }
    return { ok: false, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }
  } finally {
    deadline.removeEventListener('abort', onDeadline)
  }
}
