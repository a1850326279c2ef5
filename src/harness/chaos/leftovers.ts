// What a run might leave behind: processes and network namespaces. Used by the launcher to
// clean up after a harness that died, and by the tests to prove that nothing is left.
import { readdirSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

/** Pids of live processes whose command line mentions `dir` (every node of a run names its data dir in it). */
export function processesUsing (dir: string): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    let cmdline: string
    try { cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8') } catch { continue } // gone meanwhile
    if (cmdline.split('\0').some(arg => arg.includes(dir))) out.push(Number(name))
  }
  return out
}

/** The names of all network namespaces. */
export function namespaces (): string[] {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? ''
  return list.split('\n').map(l => l.split(' ')[0] ?? '').filter(n => n !== '')
}

/** Network namespaces whose name starts with `${prefix}-`. */
export function namespacesOf (prefix: string): string[] {
  return namespaces().filter(n => n.startsWith(`${prefix}-`))
}
