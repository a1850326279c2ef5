import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'

/** Why a multiaddr string is unusable, or undefined when it is fine. Catches what a dial would only find later. */
export function multiaddrProblem (text: string): string | undefined {
  let components
  try {
    components = multiaddr(text).getComponents()
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
  if (components.length === 0) return 'it is empty'
  for (const c of components) {
    if (c.name !== 'p2p' || c.value === undefined) continue
    try {
      peerIdFromString(c.value)
    } catch {
      return `"${c.value}" after /p2p/ is not a peer id`
    }
  }
  return undefined
}
