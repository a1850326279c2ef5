// `mcp-cluster doctor`: asks a running node how it talks to the others (GET /doctor) and prints
// what is wrong and what to do. Exit status 1 when any finding is a problem, so scripts can
// gate on it.
import { Command } from 'commander'
import { addEndpointFlags, endpointFrom, requestJson } from '../http-client.js'
import { shortId, table } from '../format.js'
import type { DoctorAnswer } from '../../node/doctor-routes.js'
import type { Finding, PeerFacts } from '../../observability/diagnose.js'

/** Probing a stalled peer takes up to its query timeout (2 s); the rest is quick. */
const DOCTOR_TIMEOUT_MS = 30_000

export function doctorCommand (): Command {
  return addEndpointFlags(new Command('doctor'))
    .description('diagnose how this node talks to the others and say what to do; exit 1 when there is a problem')
    .option('--json', 'print the node\'s answer as JSON: findings and the facts behind them')
    .action(async (opts: { http?: string, httpToken?: string, json?: boolean }) => {
      const answer = await requestJson<DoctorAnswer>(endpointFrom(opts), 'GET', '/doctor', undefined, DOCTOR_TIMEOUT_MS)
      process.stdout.write((opts.json === true ? JSON.stringify(answer, null, 2) : formatDoctor(answer)) + '\n')
      if (!answer.healthy) process.exitCode = 1
    })
}

const MARK: Record<Finding['severity'], string> = { problem: 'PROBLEM', warn: 'warn', ok: 'ok' }

const INDENT = 9
const WIDTH = 100

/** Words in lines of at most WIDTH columns after the indent (a longer word gets a line of its own). */
function wrap (text: string, indent: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > WIDTH - INDENT) {
      lines.push(indent + line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(indent + line)
  return lines
}

function formatFinding (f: Finding): string {
  const pad = ' '.repeat(INDENT)
  const lines = [`${MARK[f.severity].padEnd(INDENT)}${f.what}`]
  if (f.why !== '') lines.push(...wrap(f.why, pad))
  if (f.fix !== '') lines.push(...wrap(`fix: ${f.fix}`, pad))
  return lines.join('\n')
}

function ms (x: number): string {
  return x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`
}

function peerRow (p: PeerFacts, a: DoctorAnswer): string[] {
  const f = a.facts
  const role = f.master?.id === p.id ? 'master' : p.voter ? 'voter' : p.member !== null ? 'worker' : '-'
  const probe = p.probe
  const clock = probe?.ok === true ? probe.clock : null
  const note = probe !== null && !probe.ok
    ? probe.unsupported === true ? 'no query protocol (older version)' : `no answer: ${probe.reason}`
    : p.dialFailure !== null ? `dial ${p.dialFailure.cause}` : p.member === null ? 'no heartbeat' : ''
  return [
    shortId(p.id),
    p.member?.state ?? '-',
    role,
    p.connections.length > 0 ? 'yes' : 'no',
    clock === null ? '-' : ms(clock.rttMs),
    clock === null ? '-' : `${clock.offsetMs >= 0 ? '+' : ''}${clock.offsetMs.toFixed(1)} ms`,
    note
  ]
}

function formatDoctor (a: DoctorAnswer): string {
  const f = a.facts
  const problems = a.findings.filter(x => x.severity === 'problem').length
  const warnings = a.findings.filter(x => x.severity === 'warn').length
  const blocks = [
    `doctor at ${shortId(a.node)} (${f.self.role}, version ${f.self.version})`,
    a.findings.map(formatFinding).join('\n')
  ]
  if (f.peers.length > 0) {
    blocks.push(table(['PEER', 'STATE', 'ROLE', 'CONNECTED', 'RTT', 'CLOCK OFFSET', 'NOTE'], f.peers.map(p => peerRow(p, a))))
  }
  const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
  blocks.push(problems === 0
    ? `healthy: no problem found (${count(warnings, 'warning')})`
    : `${count(problems, 'problem')}, ${count(warnings, 'warning')}`)
  return blocks.join('\n\n')
}
