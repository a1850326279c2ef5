// The local HTTP endpoint: a tiny router over node:http. Routes are registered by the node
// (status, metrics, tasks, dashboard). Bodies are size-limited and errors are JSON with a
// clear message; nothing a client sends can throw out of here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { timingSafeEqual } from 'node:crypto'

export class HttpError extends Error {
  static override name = 'HttpError'
  constructor (readonly status: number, message: string) {
    super(message)
    this.name = 'HttpError'
  }
}

export interface HttpRequest {
  method: string
  path: string
  params: Record<string, string>
  query: URLSearchParams
  /** Parsed JSON body (POST/PUT), or undefined. */
  body: unknown
  raw: IncomingMessage
}

export type HttpReply =
  | { status?: number, json: unknown }
  | { status?: number, text: string, contentType: string }
  /** The handler wrote the response itself (e.g. server-sent events). */
  | { handled: true }

export type HttpHandler = (req: HttpRequest, res: ServerResponse) => Promise<HttpReply> | HttpReply

interface Route { method: string, parts: string[], handler: HttpHandler, public: boolean }

export interface HttpServerOptions {
  host: string
  port: number
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string
  maxBodyBytes: number
  log: Logger
}

export class HttpEndpoint {
  private readonly routes: Route[] = []
  private server?: Server

  constructor (private readonly opts: HttpServerOptions) {}

  /** A `public` route answers without the token: only for content that holds no data (the dashboard's page). */
  route (method: string, pattern: string, handler: HttpHandler, opts: { public?: boolean } = {}): void {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler, public: opts.public === true })
  }

  async listen (): Promise<{ host: string, port: number }> {
    const server = createServer((req, res) => { void this.dispatch(req, res) })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') reject(new Error(`cannot serve HTTP on ${this.opts.host}:${this.opts.port}: port in use (pick another with --http host:port, or --http off)`))
        else reject(new Error(`cannot serve HTTP on ${this.opts.host}:${this.opts.port}: ${err.message}`))
      })
      server.listen(this.opts.port, this.opts.host, () => { resolve() })
    })
    const addr = server.address() as AddressInfo
    return { host: addr.address, port: addr.port }
  }

  async close (): Promise<void> {
    const server = this.server
    if (server == null) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => { resolve() }))
  }

  private match (method: string, path: string): { route: Route, params: Record<string, string> } | { allowed: boolean } {
    const parts = path.split('/').filter(Boolean)
    let pathMatched = false
    for (const route of this.routes) {
      if (route.parts.length !== parts.length) continue
      const params: Record<string, string> = {}
      const ok = route.parts.every((p, i) => {
        if (p.startsWith(':')) { params[p.slice(1)] = decodePart(parts[i]!); return true }
        return p === parts[i]
      })
      if (!ok) continue
      pathMatched = true
      if (route.method === method) return { route, params }
    }
    return { allowed: pathMatched }
  }

  private async dispatch (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestUrl(req.url)
      const found = this.match(req.method ?? 'GET', url.pathname)
      const isPublic = 'route' in found && found.route.public
      if (this.opts.token != null && !isPublic && !sameSecret(req.headers.authorization ?? '', `Bearer ${this.opts.token}`)) {
        throw new HttpError(401, 'missing or wrong token: send "Authorization: Bearer <token>" (see --http-token)')
      }
      if (!('route' in found)) throw new HttpError(found.allowed ? 405 : 404, found.allowed ? `method ${req.method ?? ''} not allowed on ${url.pathname}` : `no such endpoint: ${url.pathname}`)
      const body = await this.readBody(req)
      const reply = await found.route.handler({ method: req.method ?? 'GET', path: url.pathname, params: found.params, query: url.searchParams, body, raw: req }, res)
      if ('handled' in reply) return
      if ('json' in reply) send(res, reply.status ?? 200, 'application/json', JSON.stringify(reply.json))
      else send(res, reply.status ?? 200, reply.contentType, reply.text)
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500
      if (status === 500) this.opts.log.error({ err }, 'HTTP handler failed')
      if (!res.headersSent) send(res, status, 'application/json', JSON.stringify({ error: err instanceof Error ? err.message : String(err) }))
      else res.end()
    }
  }

  private async readBody (req: IncomingMessage): Promise<unknown> {
    if (req.method === 'GET' || req.method === 'HEAD') return undefined
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > this.opts.maxBodyBytes) throw new HttpError(413, `request body over ${this.opts.maxBodyBytes} bytes`)
      chunks.push(chunk as Buffer)
    }
    if (size === 0) return undefined
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      throw new HttpError(400, 'request body is not valid JSON')
    }
  }
}

function send (res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' })
  res.end(body)
}

/** The request target as a URL; "//x" is a path here, not a host, and anything else is a 400. */
function requestUrl (target: string | undefined): URL {
  if (target === undefined || !target.startsWith('/')) throw new HttpError(400, 'the request target must be a path starting with /')
  try {
    return new URL(`http://local${target}`)
  } catch {
    throw new HttpError(400, `malformed request target: ${target.slice(0, 64)}`)
  }
}

function decodePart (part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw new HttpError(400, `malformed percent-encoding in the path: ${part.slice(0, 64)}`)
  }
}

/** Compare a presented token without leaking, through timing, how much of it was right. */
function sameSecret (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
