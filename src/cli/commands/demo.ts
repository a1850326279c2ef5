import { Command } from 'commander'
import { LocalCluster } from '../../harness/local-cluster.js'
import { formatStatus, shortId } from '../format.js'
import { runDemoStory } from '../../harness/demo-run.js'

export function demoCommand (): Command {
  return new Command('demo')
    .description('start a local cluster of node processes on 127.0.0.1 (mDNS off, explicit peers), run tasks, kill the master part-way, and show every task completing')
    .option('--nodes <n>', 'how many nodes', (v) => Number.parseInt(v, 10), 3)
    .option('--tasks <n>', 'how many tasks to run', (v) => Number.parseInt(v, 10), 600)
    .option('--keep', 'leave the cluster running for exploring (Ctrl-C stops it)')
    .action(async (opts: { nodes: number, tasks: number, keep?: boolean }) => {
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
        out(`converged in ${Date.now() - started} ms: every node sees ${opts.nodes} alive, master ${shortId(first.master!.id)} at epoch ${first.master!.epoch}`)
        out(`watch it live: http://${cluster.nodes[0]!.spec.http!}/ (the dashboard of ${cluster.nodes[0]!.spec.name})\n`)
        out(formatStatus(first))
        out('')
        const s = await runDemoStory(cluster, statuses, opts.tasks, out)
        out(`\nsummary: ${s.done} of ${s.tasks} tasks done, ${s.failed} failed, ${s.retried} re-run because their worker died; ` +
          `failover ${s.failoverMs} ms (epoch ${s.oldMaster.epoch} -> ${s.newMaster.epoch}); ${s.tasksPerSecond} tasks/s over ${(s.elapsedMs / 1000).toFixed(1)} s`)
        if (s.done !== s.tasks) process.exitCode = 1
        const killed = cluster.nodes.find(n => !n.alive)
        if (killed != null) killed.start() // back as a worker, for exploring
        out('\nEach node\'s dashboard (and /metrics, /status beside it):')
        for (const n of cluster.nodes) out(`  ${n.spec.name}: http://${n.spec.http!}/   (mcp-cluster status|top|doctor --http ${n.spec.http!})`)
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
