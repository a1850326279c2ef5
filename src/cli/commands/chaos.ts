import { Command, Option } from 'commander'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runChaos, type ChaosOptions } from '../../harness/chaos/run.js'
import { formatReport } from '../../harness/chaos/report.js'
import { ProgressPrinter } from '../../harness/chaos/progress.js'
import { chaosArgs, parseDuration, parseFaults } from '../../harness/chaos/options.js'
import { runOnNamespaceLan } from '../../harness/chaos/lan-launch.js'
import { netnsUnavailable } from '../../harness/netns.js'

interface ChaosFlags {
  nodes: string
  duration: string
  faults: string
  rate: string
  seed?: string
  report?: string
  loopback?: boolean
  faultInterval: string
  leaseMs?: string
  dir?: string
  keepLogs?: boolean
  inLan?: string
  runDir?: string
}

type Settings = Omit<ChaosOptions, 'network' | 'signal' | 'onProgress' | 'log'> & { report?: string, keepLogs: boolean }

export function chaosCommand (): Command {
  return new Command('chaos')
    .description('start node processes on a LAN of network namespaces (root) or on 127.0.0.1 (--loopback), run tasks, kill, pause and cut off the master on a seeded schedule, and check the history for split brain, lost tasks and duplicates')
    .option('--nodes <n>', 'how many node processes (all voters)', '5')
    .option('--duration <time>', 'how long the load and the faults last, e.g. 60s, 2m', '60s')
    .option('--faults <list>', 'faults to inject, comma-separated: kill, pause, partition, restart, loss', 'kill,pause,partition,restart,loss')
    .option('--rate <n>', 'tasks per second from the client', '200')
    .option('--seed <n>', 'seed of the fault schedule and the load (default: random, printed)')
    .option('--report <file>', 'also write the report as JSON to this file')
    .option('--loopback', 'run the nodes on 127.0.0.1 with explicit peers, mDNS off, no root needed: kill, pause and restart only')
    .option('--fault-interval <time>', 'mean time from one master fault to the next', '6s')
    .option('--lease-ms <ms>', 'the nodes\' master lease (default: theirs, 1000)')
    .option('--dir <path>', 'where to make the run\'s directory of logs and histories (default: the temp dir)')
    .option('--keep-logs', 'keep the run\'s directory after a clean run (it is always kept after an anomaly)')
    .addOption(new Option('--in-lan <prefix>', 'internal: run the harness inside this LAN\'s bridge namespace').hideHelp())
    .addOption(new Option('--run-dir <path>', 'internal: the run\'s directory').hideHelp())
    .action(async (flags: ChaosFlags) => {
      const settings = parseFlags(flags)
      if (typeof settings === 'string') {
        process.stderr.write(`mcp-cluster chaos: ${settings}\n`)
        process.exitCode = 2
        return
      }
      if (flags.inLan != null) {
        process.exitCode = await runHere(settings, { kind: 'lan', prefix: flags.inLan }, flags.runDir ?? newRunDir(flags.dir))
        return
      }
      if (flags.loopback !== true) {
        const why = netnsUnavailable()
        if (why !== undefined) {
          process.stderr.write(`mcp-cluster chaos: the simulated LAN ${why}: run it as root, or add --loopback to run the nodes on 127.0.0.1 ` +
            'with the faults that need no namespaces (kill, pause, restart)\n')
          process.exitCode = 2
          return
        }
      }
      process.stderr.write(`chaos: seed ${settings.seed}\n`)
      const runDir = newRunDir(flags.dir)
      process.exitCode = flags.loopback === true
        ? await runHere(settings, { kind: 'loopback' }, runDir)
        : await runOnNamespaceLan(settings.nodes, runDir, harnessArgs(settings))
    })
}

function parseFlags (f: ChaosFlags): Settings | string {
  const nodes = Number(f.nodes)
  if (!Number.isInteger(nodes) || nodes < 3 || nodes > 50) return `--nodes must be an integer from 3 to 50 (a failover needs a majority left); got "${f.nodes}"`
  const rate = Number(f.rate)
  if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) return `--rate must be a number of tasks per second above 0, at most 10000; got "${f.rate}"`
  const duration = parseDuration(f.duration)
  if (!duration.ok) return `--duration: ${duration.reason}`
  const interval = parseDuration(f.faultInterval)
  if (!interval.ok) return `--fault-interval: ${interval.reason}`
  const faults = parseFaults(f.faults)
  if (!faults.ok) return `--faults: ${faults.reason}`
  const seed = f.seed != null ? Number(f.seed) : Math.floor(Math.random() * 2 ** 31)
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) return `--seed must be an integer from 0 to ${2 ** 32 - 1}; got "${f.seed}"`
  const leaseMs = f.leaseMs != null ? Number(f.leaseMs) : undefined
  if (leaseMs !== undefined && (!Number.isInteger(leaseMs) || leaseMs < 1)) return `--lease-ms must be a positive integer; got "${f.leaseMs}"`
  return {
    nodes,
    rate,
    durationMs: duration.value,
    faultIntervalMs: interval.value,
    faults: faults.value,
    seed,
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(f.report != null ? { report: resolve(f.report) } : {}),
    keepLogs: f.keepLogs === true
  }
}

/** The same settings as flags, for the harness started inside the LAN. */
function harnessArgs (s: Settings): string[] {
  return [
    ...chaosArgs(s),
    ...(s.report !== undefined ? ['--report', s.report] : []),
    ...(s.keepLogs ? ['--keep-logs'] : [])
  ]
}

function newRunDir (base: string | undefined): string {
  if (base != null) mkdirSync(base, { recursive: true })
  return mkdtempSync(join(base ?? tmpdir(), 'mcp-chaos-'))
}

/** Run the harness in this process; print the summary, write the report; resolve with the exit code. */
async function runHere (s: Settings, network: ChaosOptions['network'], dir: string): Promise<number> {
  const stop = new AbortController()
  const printer = new ProgressPrinter(process.stderr)
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(130) // a second Ctrl-C: now (the nodes follow their parent out)
    printer.log('interrupted: undoing the faults and stopping the nodes (Ctrl-C again to quit at once)')
    stop.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // Started by the LAN launcher: if it dies, stop too.
  const parent = process.ppid
  const watchdog = network.kind === 'lan' ? setInterval(() => { if (process.ppid !== parent) stop.abort() }, 500) : undefined
  try {
    const report = await runChaos({
      ...s,
      network,
      dir,
      keepDir: s.keepLogs,
      signal: stop.signal,
      onProgress: p => { printer.show(p) },
      log: line => { printer.log(line) }
    })
    printer.finish()
    process.stdout.write(formatReport(report) + '\n')
    if (s.report !== undefined) writeFileSync(s.report, JSON.stringify(report, null, 2) + '\n')
    return report.interrupted ? 130 : report.ok ? 0 : 1
  } finally {
    clearInterval(watchdog)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
