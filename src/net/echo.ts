// A bare request/response protocol: every length-prefixed frame is sent straight back. It lets
// benchmarks measure the transport's own limit between the same processes that run tasks
// (no scheduling), and gives operators a round-trip probe. Frames are capped at 64 KiB.
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import type { ClusterLibp2p } from './libp2p.js'
import { PROTOCOL_PREFIX } from './protocols.js'

export const ECHO_PROTOCOL = `${PROTOCOL_PREFIX}/echo/1.0.0`
export const MAX_ECHO_FRAME_BYTES = 64 * 1024

export async function serveEcho (node: ClusterLibp2p): Promise<void> {
  await node.handle(ECHO_PROTOCOL, ({ stream }) => {
    void pipe(
      stream.source,
      (src) => lp.decode(src, { maxDataLength: MAX_ECHO_FRAME_BYTES }),
      (src) => lp.encode(src),
      stream.sink
    ).catch((err: unknown) => { stream.abort(err instanceof Error ? err : new Error(String(err))) })
  }, { maxInboundStreams: 4, maxOutboundStreams: 4 })
}
