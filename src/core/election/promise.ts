// A voter's promise and the one rule that decides whether it may promise again. Everything the
// election guarantees rests on this rule, so it lives alone where it can be read at a glance.
import type { Epoch, Millis, NodeId } from '../types.js'

export interface VoterPromise {
  /** Highest term promised (kept after the promise is released, so terms never go back). */
  term: Epoch
  /** Who holds the promise, or null when there is none (never given, or released). */
  holder: NodeId | null
  /** When the promise runs out on this voter's clock; -Infinity when there is no holder. */
  expiresAt: Millis
}

export const NO_PROMISE: Readonly<VoterPromise> = Object.freeze({ term: 0, holder: null, expiresAt: -Infinity })

/**
 * A voter may promise `term` to `candidate` when the term is newer than any it promised and no
 * other node holds an unexpired promise, or when this is the holder renewing at the same term.
 * (Post-restart quarantine and voter-set membership are checked by the caller.)
 */
export function mayGrant (promise: VoterPromise, term: Epoch, candidate: NodeId, now: Millis): boolean {
  const renewal = term === promise.term && candidate === promise.holder
  const free = promise.holder === null || promise.holder === candidate || now >= promise.expiresAt
  return renewal || (term > promise.term && free)
}
