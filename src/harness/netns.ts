// Helpers for tests that must run inside a private network namespace (mDNS, partitions).
// `unshare -n` gives the child a namespace with only a loopback interface; it vanishes when
// the last process in it exits, so there is nothing to clean up even after a crash.
import { spawnSync, spawn } from 'node:child_process'

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable (): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces'
  const probe = spawnSync('unshare', ['-n', 'true'])
  if (probe.status !== 0) return `unshare -n failed: ${probe.stderr?.toString().trim() ?? probe.error?.message}`
  return undefined
}

const SETUP = 'ip link set lo up && ip link set lo multicast on && (ip route add 224.0.0.0/4 dev lo 2>/dev/null || true)'

export interface ScriptResult { code: number | null, stdout: string, stderr: string }

/** Run a compiled script under `node` in a fresh loopback-only namespace; resolve with its output. */
export async function runInPrivateNetns (script: string, args: string[] = [], timeoutMs = 120_000, env: Record<string, string> = {}, echoStderr = false): Promise<ScriptResult> {
  return await runScript(['unshare', '-n', '--', 'bash', '-c', `${SETUP} && exec "$@"`, 'netns', process.execPath, script, ...args], timeoutMs, env, echoStderr)
}

/** Run a compiled script under `node` inside an existing named namespace. */
export async function runInNamespace (ns: string, script: string, args: string[] = [], timeoutMs = 120_000, env: Record<string, string> = {}, echoStderr = false): Promise<ScriptResult> {
  return await runScript(['ip', 'netns', 'exec', ns, process.execPath, script, ...args], timeoutMs, env, echoStderr)
}

async function runScript (argv: string[], timeoutMs: number, env: Record<string, string>, echoStderr: boolean): Promise<ScriptResult> {
  return await new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (echoStderr) process.stderr.write(d)
    })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}
