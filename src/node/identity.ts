// A node keeps its libp2p identity in its data dir: the voter set names peer ids, so a
// restarted voter must come back as the same peer.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from './atomic-file.js'

export const IDENTITY_FILE = 'identity.key'

export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw new Error(`cannot read node identity ${path}: ${err?.message ?? err}`)
    const key = await generateKeyPair('Ed25519')
    await writeFileAtomic(path, privateKeyToProtobuf(key), 0o600)
    return key
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err: any) {
    throw new Error(`node identity ${path} is corrupt or not a libp2p private key (${err?.message ?? err}); move it away to create a new identity`)
  }
}
