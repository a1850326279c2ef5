// What Linux says about a process, for benchmarks: resident memory and CPU time used.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let ticksPerSecond: number | undefined

/** The unit of cpuTicks (USER_HZ, almost always 100); asked of the system once. */
export function clockTicksPerSecond (): number {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    ticksPerSecond = 100
  }
  return ticksPerSecond
}

/** Resident set size in MiB (NaN when the process is gone). */
export function rssMiB (pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m != null ? Number(m[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

/** utime + stime in clock ticks (fields 14 and 15 of /proc/<pid>/stat); 0 once the process is gone. */
export function cpuTicks (pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}
