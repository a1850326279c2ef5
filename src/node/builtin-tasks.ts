// Task types every node runs unless --no-builtin-tasks: real work for the CLI, the demo and
// the chaos harness without user code.
import { createHash } from 'node:crypto'
import type { JsonValue, TaskHandler } from './task-api.js'

function field (payload: JsonValue, name: string): JsonValue | undefined {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload[name] : undefined
}

/** Returns its payload. */
export const echo: TaskHandler = (payload) => payload

/** Waits { ms } milliseconds (at most 10 minutes), or until aborted. */
export const sleep: TaskHandler = async (payload, ctx) => {
  const ms = field(payload, 'ms')
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new Error('sleep needs { "ms": number from 0 to 600000 }')
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(ctx.signal.reason) }, { once: true })
  })
  return { slept: ms }
}

/** CPU work: { data, rounds } hashes data with SHA-256 `rounds` times (at most 10 million). */
export const sha256: TaskHandler = (payload, ctx) => {
  const data = field(payload, 'data')
  const rounds = field(payload, 'rounds') ?? 1
  if (typeof data !== 'string') throw new Error('sha256 needs { "data": string, "rounds"?: number }')
  if (typeof rounds !== 'number' || !Number.isInteger(rounds) || rounds < 1 || rounds > 10_000_000) throw new Error('rounds must be an integer from 1 to 10000000')
  let digest: Buffer = Buffer.from(data, 'utf8')
  for (let i = 0; i < rounds; i++) {
    digest = createHash('sha256').update(digest).digest()
    if ((i & 0xffff) === 0 && ctx.signal.aborted) throw new Error('aborted')
  }
  return { hex: digest.toString('hex'), rounds }
}

export const BUILTIN_TASKS: Record<string, TaskHandler> = { echo, sleep, sha256 }
