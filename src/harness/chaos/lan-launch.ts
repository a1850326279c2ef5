// `mcp-cluster chaos` on the namespace LAN. The nodes' HTTP endpoints live on the LAN's control
// bridge, which only its bridge namespace can reach, so this process builds the LAN, runs the
// harness itself (`chaos --in-lan`) inside that namespace, passes Ctrl-C on, and afterwards
// removes the namespaces, and any process of the run still alive, however the harness ended.
import { spawn } from 'node:child_process'
import { rmdirSync } from 'node:fs'
import { destroyNamespaces, NetnsLan } from '../lan.js'
import { namespaces, processesUsing } from './leftovers.js'
import { sleep } from './sleep.js'

/** Namespace names of this launcher's LANs: `mcc<pid>-...`. */
const LAN_PREFIX = 'mcc'

export function lanPrefixFor (pid: number): string {
  return `${LAN_PREFIX}${pid}`
}

/** Run the harness inside a new LAN of `nodes` hosts; resolve with its exit code. */
export async function runOnNamespaceLan (nodes: number, runDir: string, harnessArgs: string[]): Promise<number> {
  removeStaleLans()
  let lan: NetnsLan
  try {
    lan = NetnsLan.create(lanPrefixFor(process.pid), nodes)
  } catch (err) {
    rmdirSync(runDir) // still empty: nothing ran
    throw err
  }
  let child: ReturnType<typeof spawn> | undefined
  let signals = 0
  const forward = (sig: NodeJS.Signals): void => {
    signals++
    // The harness stops cleanly on the first signal; a second one means now.
    child?.kill(signals === 1 ? sig : 'SIGKILL')
  }
  const onInt = (): void => { forward('SIGINT') }
  const onTerm = (): void => { forward('SIGTERM') }
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  try {
    const argv = [process.execPath, ...process.execArgv, process.argv[1]!, 'chaos', ...harnessArgs, '--in-lan', lan.prefix, '--run-dir', runDir]
    // Its own process group: Ctrl-C reaches it once, through forward(), not twice.
    child = spawn('ip', ['netns', 'exec', lan.bridgeNs, ...argv], { stdio: 'inherit', detached: true })
    const c = child
    return await new Promise<number>((resolve, reject) => {
      c.once('error', reject)
      c.once('exit', (code, signal) => { resolve(code ?? (signal === 'SIGINT' ? 130 : 1)) })
    })
  } finally {
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
    await killLeftovers(runDir)
    lan.destroy()
  }
}

/** Nodes stop by themselves once their harness is gone (MCP_EXIT_WITH_PARENT); make sure of it. */
async function killLeftovers (runDir: string): Promise<void> {
  for (let i = 0; i < 30 && processesUsing(runDir).length > 0; i++) await sleep(100)
  for (const pid of processesUsing(runDir)) {
    try { process.kill(pid, 'SIGKILL') } catch { /* exited meanwhile */ }
  }
}

/** Namespaces of launchers that died without cleaning up (their pid no longer runs). */
function removeStaleLans (): void {
  const seen = new Set<number>()
  for (const m of namespaces().map(n => new RegExp(`^${LAN_PREFIX}(\\d+)-`).exec(n))) if (m != null) seen.add(Number(m[1]))
  for (const pid of seen) if (!isRunning(pid)) destroyNamespaces(lanPrefixFor(pid))
}

function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
