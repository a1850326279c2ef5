// Structured logs with pino: JSON by default, pretty when attached to a terminal.
// pino-pretty runs in-process (sync), not as a worker-thread transport: a worker costs
// memory an edge device may not have.
import { pino, type Logger, type LevelWithSilent } from 'pino'
import pretty from 'pino-pretty'

export type { Logger }

export interface LoggerOptions {
  level: LevelWithSilent
  /** Pretty-print (default: when stderr is a TTY). */
  pretty?: boolean
  /** Static fields on every line (e.g. the node id). */
  base?: Record<string, unknown>
}

export function createLogger (opts: LoggerOptions): Logger {
  const usePretty = opts.pretty ?? process.stderr.isTTY === true
  const destination = usePretty
    ? pretty({ sync: true, destination: 2, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' })
    : pino.destination({ dest: 2, sync: true })
  return pino({ level: opts.level, base: opts.base ?? {} }, destination)
}
