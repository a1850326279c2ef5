// The local HTTP endpoint of a real node (in this process, loopback only, mDNS off) under
// fuzzing: random methods, paths, queries, tokens and bodies get an answer below 500, a wrong
// token gets 401, raw garbage on the socket is survived, and the node still answers afterwards.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { connect } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { createNode } from '../../src/node/create-node.js'
import type { ClusterNode } from '../../src/node/cluster-node.js'
import { fuzzAsync } from './support.js'
import { applyByteEdits, byteEdits, hostileJson, structuralMutation } from './mutate.js'

const TOKEN = 'fuzz-token-1'
const MAX_PAYLOAD = 4096
/** Routes that answer without the token (the dashboard page holds no data). */
const PUBLIC = new Set(['GET /'])

let node: ClusterNode
let host: string
let port: number
const dir = mkdtempSync(join(tmpdir(), 'mcp-fuzz-http-'))

before(async () => {
  node = await createNode({ expect: 1, mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'], http: '127.0.0.1:0', httpToken: TOKEN, dataDir: dir, logLevel: 'silent', maxPayloadBytes: MAX_PAYLOAD })
  await node.start()
  const url = new URL(node.httpUrl!)
  host = url.hostname
  port = Number(url.port)
})

after(async () => {
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
})

interface Answer { status: number, type: string, body: string }

async function send (method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(body.byteLength) }
    const req = request({ host, port, method, path, headers: { ...headers, ...length }, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`no answer to ${method} ${path}`)) })
    req.on('error', reject)
    req.end(body)
  })
}

const pathChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-._~!$&\'()*+,;=:@'.split(''))
const segment = fc.oneof(
  fc.constantFrom('status', 'tasks', 'metrics', 'dashboard.json', 'doctor', '', '..', '.', '%', '%zz', '%00', '%2F', '%E0%A4%A', '%ff%fe'),
  fc.string({ unit: pathChar, maxLength: 20 }),
  fc.integer({ min: 100, max: 10_000 }).map(n => 'x'.repeat(n))
)
const pathArb = fc.oneof(
  fc.constantFrom('/', '/status', '/tasks', '/tasks/t1', '/metrics', '/dashboard.json', '/doctor', '//', '/tasks/', '/tasks/%zz', '/tasks/%E2%80%AE'),
  fc.array(segment, { minLength: 1, maxLength: 5 }).map(s => '/' + s.join('/'))
)
const queryArb = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?state=queued', '?state=nope', '?limit=0', '?limit=10', '?limit=99999999999999999999', '?limit=-1', '?limit=1e3', '?wait=true', '?state=done&limit=5', '?%zz=1', '?a=%'),
  fc.string({ unit: pathChar, maxLength: 30 }).map(q => `?${q}`)
)

const validSubmit = fc.record({
  type: fc.constantFrom('echo', 'sha256', 'nope'),
  payload: fc.jsonValue({ maxDepth: 3 }),
  options: fc.record({ priority: fc.integer({ min: -1000, max: 1000 }), retries: fc.nat(2), timeoutMs: fc.integer({ min: 1, max: 5000 }) }, { requiredKeys: [] })
}, { requiredKeys: ['type'] })

const bodyArb: fc.Arbitrary<Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  validSubmit.map(b => new TextEncoder().encode(JSON.stringify(b))),
  structuralMutation(validSubmit),
  fc.tuple(validSubmit.map(b => new TextEncoder().encode(JSON.stringify(b))), byteEdits).map(([b, e]) => applyByteEdits(b, e)),
  hostileJson.map(t => new TextEncoder().encode(t)),
  fc.uint8Array({ maxLength: 300 }),
  fc.integer({ min: MAX_PAYLOAD, max: 3 * MAX_PAYLOAD }).map(n => new TextEncoder().encode(JSON.stringify({ type: 'echo', payload: 'x'.repeat(n) })))
)

const requestArb = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
  path: pathArb,
  query: queryArb,
  auth: fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${TOKEN}`) }, fc.constantFrom('', `Bearer ${TOKEN}x`, `bearer ${TOKEN}`, TOKEN, 'Basic Zm9v'), fc.string({ unit: pathChar, maxLength: 30 })),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
  body: bodyArb
})

describe('the local HTTP endpoint under fuzzing', () => {
  test('every request gets an answer below 500; without the token only 401 (or a public page)', async () => {
    await fuzzAsync('http/requests', requestArb, async ({ method, path, query, auth, contentType, body }) => {
      // Never wait for a task to finish: the answer to a submission is what is being tested.
      const q = method === 'POST' && path === '/tasks' ? (query === '' ? '?wait=false' : `${query}&wait=false`) : query
      const headers: Record<string, string> = {}
      if (auth !== '') headers.authorization = auth
      if (contentType !== '') headers['content-type'] = contentType
      let answer: Answer
      try {
        answer = await send(method, path + q, headers, body)
      } catch (err) {
        // The server may answer (401, 404, 405, 413) and close before reading a body the client is
        // still writing; the client then sees a reset. Fine, as long as the server is unharmed.
        assert.match(String(err), /ECONNRESET|EPIPE|socket hang up/)
        assert.equal((await send('GET', '/status', { authorization: `Bearer ${TOKEN}` })).status, 200)
        return
      }
      assert.ok(answer.status >= 200 && answer.status < 500, `${method} ${path}${q} -> ${answer.status} ${answer.body.slice(0, 300)}`)
      if (answer.type.startsWith('application/json') && method !== 'HEAD') {
        const parsed = JSON.parse(answer.body) as { error?: unknown }
        if (answer.status >= 400) assert.equal(typeof parsed.error, 'string')
      }
      if (auth !== `Bearer ${TOKEN}`) {
        // A target that cannot be routed at all is refused before the token is looked at (431: by
        // node's HTTP parser, for a request line over its limit).
        const unroutable = answer.status === 431 || (answer.status === 400 && (method === 'HEAD' || /percent-encoding|request target/.test(answer.body)))
        const route = `${method} /${new URL(`http://local${path}`).pathname.split('/').filter(Boolean).join('/')}`
        assert.ok(answer.status === 401 || unroutable || PUBLIC.has(route), `${method} ${path} answered ${answer.status} without the token`)
      }
    }, 2)
  })

  test('raw garbage on the socket is survived, and the node answers afterwards', async () => {
    const valid = new TextEncoder().encode(`POST /tasks?wait=false HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 30\r\n\r\n{"type":"echo","payload":123}`)
    const raw = fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.tuple(fc.constant(valid), byteEdits).map(([b, e]) => applyByteEdits(b, e)))
    await fuzzAsync('http/raw-socket', raw, async (bytes) => {
      await new Promise<void>((resolve) => {
        const socket = connect(port, host, () => { socket.end(bytes) })
        // The server answers (or not) and closes; either way this case is over.
        socket.setTimeout(2000, () => socket.destroy())
        socket.on('data', () => {})
        socket.on('error', () => {})
        socket.on('close', () => { resolve() })
      })
    }, 0.5)
    const answer = await send('GET', '/status', { authorization: `Bearer ${TOKEN}` })
    assert.equal(answer.status, 200)
    assert.ok(node.running)
  })
})
