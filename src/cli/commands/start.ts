import { Command } from 'commander'
import { addNodeFlags, flagsToOptions } from '../node-flags.js'
import { resolveOptions } from '../../config/load.js'
import { ClusterNode } from '../../node/cluster-node.js'

export function startCommand (): Command {
  const cmd = new Command('start').description('start a node (discovers the others by mDNS unless --no-mdns)')
  addNodeFlags(cmd)
  cmd.action(async () => {
    const { flags, file } = flagsToOptions(cmd)
    const options = resolveOptions({ flags, env: process.env, ...(file != null ? { file } : {}) })
    const node = new ClusterNode(options)
    await node.start()
    let stopping = false
    let watchdog: NodeJS.Timeout | undefined
    const shutdown = (signal: string): void => {
      if (stopping) { process.exit(130) } // a second Ctrl-C means now
      stopping = true
      clearInterval(watchdog)
      node.log.info({ signal }, 'stopping')
      node.stop().then(() => process.exit(0), (err: unknown) => {
        node.log.error({ err }, 'error while stopping')
        process.exit(1)
      })
    }
    process.on('SIGINT', () => { shutdown('SIGINT') })
    process.on('SIGTERM', () => { shutdown('SIGTERM') })
    // Harness-started nodes (demo, tests, chaos) must not outlive the harness, even when it is
    // killed: it sets this, and the node stops once it has been re-parented.
    if (process.env.MCP_EXIT_WITH_PARENT === '1') {
      const parent = process.ppid
      watchdog = setInterval(() => { if (process.ppid !== parent) shutdown('parent exited') }, 1000)
      watchdog.unref()
    }
  })
  return cmd
}
