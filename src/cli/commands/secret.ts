import { Command } from 'commander'
import { generateKey } from '@libp2p/pnet'

export function secretCommand (): Command {
  const cmd = new Command('secret').description('manage the cluster secret')
  cmd.command('generate')
    .description('print a new cluster secret (a libp2p private-network key); give the same file to every node with --secret-file')
    .action(() => {
      const key = new Uint8Array(95)
      generateKey(key)
      process.stdout.write(new TextDecoder().decode(key))
    })
  return cmd
}
