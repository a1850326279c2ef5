// An append-only JSON-lines file, one synchronous write per line (as the nodes' event logs):
// what was written survives the harness being killed.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

export class JsonlLog {
  private fd: number

  constructor (readonly path: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.fd = openSync(path, 'a')
  }

  write (line: object): void {
    if (this.fd >= 0) writeSync(this.fd, JSON.stringify(line) + '\n')
  }

  close (): void {
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
  }
}
