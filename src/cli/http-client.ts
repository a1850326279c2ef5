// How CLI commands talk to a running node: its local HTTP endpoint.
import type { Command } from 'commander'

export interface EndpointOptions {
  http: string
  token?: string
}

/** --http and --http-token, read back by endpointFrom. */
export function addEndpointFlags (cmd: Command): Command {
  return cmd
    .option('--http <host:port>', 'the node\'s HTTP endpoint (default 127.0.0.1:7070, or MCP_HTTP)')
    .option('--http-token <token>', 'token for an endpoint bound beyond loopback (or MCP_HTTP_TOKEN)')
}

export function endpointFrom (opts: { http?: string, httpToken?: string }): EndpointOptions {
  const http = opts.http ?? process.env.MCP_HTTP ?? '127.0.0.1:7070'
  const token = opts.httpToken ?? process.env.MCP_HTTP_TOKEN
  return { http, ...(token != null ? { token } : {}) }
}

export async function requestJson<T> (ep: EndpointOptions, method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<T> {
  const base = ep.http.startsWith('http') ? ep.http : `http://${ep.http}`
  let res: Response
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(ep.token != null ? { authorization: `Bearer ${ep.token}` } : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (err: any) {
    const cause = err?.cause?.code ?? err?.name ?? ''
    throw new Error(`cannot reach the node at ${base} (${cause || err?.message}); is it running, and is --http right?`)
  }
  const text = await res.text()
  let json: any
  try { json = JSON.parse(text) } catch { throw new Error(`node at ${base} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`) }
  if (!res.ok) throw new Error(`node at ${base} answered ${res.status}: ${json?.error ?? text}`)
  return json as T
}
