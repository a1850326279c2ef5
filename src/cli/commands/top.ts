// `mcp-cluster top`: a live terminal view of the cluster as one node sees it (the dashboard's
// data, GET /dashboard.json): nodes, roles, load, throughput. q or Ctrl-C quits; --once prints
// one frame and exits.
import { Command } from 'commander'
import { addEndpointFlags, endpointFrom, requestJson, type EndpointOptions } from '../http-client.js'
import { shortId, table } from '../format.js'
import type { DashboardData } from '../../observability/dashboard/data.js'

interface TopOptions { http?: string, httpToken?: string, once?: boolean, interval: string }

export function topCommand (): Command {
  return addEndpointFlags(new Command('top'))
    .description('live view of the cluster: nodes, roles, load, throughput (q or Ctrl-C quits)')
    .option('--once', 'print one frame and exit')
    .option('--interval <ms>', 'refresh interval in milliseconds', '1000')
    .action(async (opts: TopOptions) => {
      const ep = endpointFrom(opts)
      if (opts.once === true) {
        process.stdout.write(formatTop(await fetchDashboard(ep)) + '\n')
        return
      }
      const interval = Number(opts.interval)
      if (!Number.isInteger(interval) || interval < 100) throw new Error(`--interval must be an integer of at least 100 (ms), got ${opts.interval}`)
      await live(ep, interval)
    })
}

async function fetchDashboard (ep: EndpointOptions): Promise<DashboardData> {
  return await requestJson<DashboardData>(ep, 'GET', '/dashboard.json', undefined, 3000)
}

/** Redraw every `interval` ms until q or Ctrl-C; a node that stops answering is shown, not fatal. */
async function live (ep: EndpointOptions, interval: number): Promise<void> {
  const out = process.stdout
  const stdin = process.stdin
  let running = true
  let timer: NodeJS.Timeout | undefined
  let quit!: () => void
  const quitted = new Promise<void>((resolve) => {
    quit = () => {
      if (!running) return
      running = false
      clearTimeout(timer)
      if (stdin.isTTY) stdin.setRawMode(false)
      stdin.pause()
      if (out.isTTY) out.write('\x1b[?25h\n') // the cursor back
      resolve()
    }
  })
  if (stdin.isTTY) {
    // Raw mode: keys arrive one by one, and Ctrl-C arrives as a key rather than a signal.
    stdin.setRawMode(true)
    stdin.setEncoding('utf8')
    stdin.on('data', (key: string) => { if (key === 'q' || key === 'Q' || key === '\u0003') quit() })
  }
  process.once('SIGINT', quit)
  if (out.isTTY) out.write('\x1b[?25l') // no cursor blinking over the table
  const frame = async (): Promise<void> => {
    let text: string
    try {
      text = formatTop(await fetchDashboard(ep))
    } catch (err) {
      text = `mcp-cluster top · ${err instanceof Error ? err.message : String(err)}\n(retrying every ${interval} ms)`
    }
    if (!running) return
    out.write(out.isTTY ? `\x1b[H\x1b[2J${text}\n\nq quits` : `${text}\n\n`)
    timer = setTimeout(() => { void frame() }, interval)
  }
  await frame()
  await quitted
}

/** One frame of `top`, as plain text. */
function formatTop (d: DashboardData): string {
  const s = d.status
  const m = s.master
  const samples = d.timeline.samples
  const last = samples.at(-1)
  const rtt = new Map(d.peers.map(p => [p.id, p.rttMs]))
  const header = `mcp-cluster top · as seen by ${shortId(s.self.id)} (${s.self.role}) · ${new Date(d.generatedAt).toLocaleTimeString()}`
  const master = m == null
    ? `master: none (election in progress or no quorum) · epoch ${s.epoch}`
    : `master: ${shortId(m.id)} · epoch ${m.epoch} · lease ${Math.round(m.leaseRemainingMs)} ms left`
  const states = new Map(s.members.map(x => [x.id, x.state]))
  const voters = `voters: ${s.voters == null ? 'not agreed yet' : s.voters.map(v => `${shortId(v)} (${states.get(v) ?? 'unknown'})`).join(', ')}`
  const throughput = last === undefined
    ? 'throughput: no sample yet'
    : last.placed !== null
      ? `throughput: ${last.placed.toFixed(1)} tasks/s placed in the cluster · queue ${last.queue ?? 0} · ${last.running} running`
      : `throughput: ${last.ran.toFixed(1)} tasks/s run here, ${last.settled.toFixed(1)}/s submitted here finished · ${last.running} running in the cluster (the master sees its throughput)`
  const rows = s.members.map(x => [
    shortId(x.id) + (x.self ? ' (self)' : ''),
    x.role,
    x.state,
    `${bar(x.load.running, x.capacity.slots)} ${x.load.running}/${x.capacity.slots}`,
    `${x.load.eventLoopDelayMs}ms`,
    x.self ? '-' : formatRtt(rtt.get(x.id)),
    x.self ? '-' : `${x.lastSeenMs}ms`
  ])
  const lines = [header, master, voters, throughput, '', table(['NODE', 'ROLE', 'STATE', 'LOAD', 'LOOP', 'RTT', 'LAST SEEN'], rows)]
  const failures = d.timeline.failures.slice(-5).reverse()
  if (failures.length > 0) {
    lines.push('', 'recent failures:')
    for (const f of failures) lines.push(`  ${new Date(f.t).toLocaleTimeString()} ${f.kind}${f.code !== null ? ` (${f.code})` : ''}${f.id !== null ? ` ${f.id}` : ''}${f.node !== null ? ` on ${shortId(f.node)}` : ''}: ${f.message.slice(0, 120)}`)
  }
  return lines.join('\n')
}

function bar (used: number, slots: number, width = 10): string {
  const n = slots > 0 ? Math.min(width, Math.round(width * used / slots)) : 0
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`
}

function formatRtt (ms: number | null | undefined): string {
  if (ms === undefined) return 'not connected'
  return ms === null ? '…' : `${ms}ms`
}
