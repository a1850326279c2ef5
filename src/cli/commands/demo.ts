import { Command } from 'commander'
import { LocalCluster } from '../../harness/local-cluster.js'
import { formatStatus, shortId } from '../format.js'

export function demoCommand (): Command {
  return new Command('demo')
    .description('start a local cluster of three node processes on 127.0.0.1 (mDNS off, explicit peers) and show it working')
    .option('--nodes <n>', 'how many nodes', (v) => Number.parseInt(v, 10), 3)
    .option('--keep', 'leave the cluster running for exploring (Ctrl-C stops it)')
    .action(async (opts: { nodes: number, keep?: boolean }) => {
      const started = Date.now()
      const cluster = await LocalCluster.create({ nodes: opts.nodes, logLevel: 'warn' })
      const out = (s: string): void => { process.stdout.write(s + '\n') }
      let stopping = false
      const stop = async (): Promise<void> => {
        if (stopping) return
        stopping = true
        out('\nstopping every node the demo started...')
        await cluster.stop()
        cluster.cleanup()
      }
      process.on('SIGINT', () => { void stop().then(() => process.exit(130)) })
      process.on('SIGTERM', () => { void stop().then(() => process.exit(143)) })
      try {
        out(`starting ${opts.nodes} nodes on 127.0.0.1 (logs and data under ${cluster.dir})`)
        cluster.start()
        const statuses = await cluster.waitConverged(20_000)
        const first = statuses[0]!
        out(`converged in ${Date.now() - started} ms: every node sees ${opts.nodes} alive, master ${shortId(first.master!.id)} at epoch ${first.master!.epoch}\n`)
        out(formatStatus(first))
        out('\nHTTP endpoints:')
        for (const n of cluster.nodes) out(`  ${n.spec.name}: http://${n.spec.http!}/status   (mcp-cluster status --http ${n.spec.http!})`)
      } catch (err) {
        await stop() // --keep or not: a demo that failed leaves nothing running
        throw err
      }
      if (opts.keep === true) {
        out('\n--keep: the cluster stays up; press Ctrl-C to stop it.')
        await new Promise(() => {})
      }
      await stop()
    })
}
