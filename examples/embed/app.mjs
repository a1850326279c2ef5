// A node embedded in an app: start it, watch the cluster, run tasks, stop it cleanly.
// Run: node examples/embed/app.mjs [--peer /ip4/127.0.0.1/tcp/PORT ...]
// (loopback only here; on a LAN drop `listen` and `mdns: false` to discover peers by mDNS)
import { createNode } from 'mcp-cluster'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const peers = process.argv.slice(2).filter((_, i, a) => a[i - 1] === '--peer')

const node = await createNode({
  listen: ['/ip4/127.0.0.1/tcp/0'],
  mdns: false,
  peers,
  http: 'off',
  expect: 1, // a one-node cluster elects itself; use the same N on every node of a real cluster
  dataDir: mkdtempSync(join(tmpdir(), 'embed-')),
  logLevel: 'warn'
})

// A task type this app's node runs; any node of the cluster may be sent one.
node.handle('greet', (payload, ctx) => ({ hello: payload.name, attempt: ctx.attempt }))

node.on('membership', (e) => console.log(`member ${e.type}: ${e.id}`))
node.on('election', (e) => { if (e.type === 'elected') console.log(`this node is master at epoch ${e.term}`) })

await node.start()
console.log(`node ${node.id} listening on ${node.multiaddrs.join(', ')}`)

// Wait until the cluster has a master, print what the node sees, then stop.
for (let i = 0; i < 100 && node.status().master == null; i++) await new Promise(r => setTimeout(r, 50))
const status = node.status()
console.log(JSON.stringify({ master: status.master, members: status.members.map(m => ({ id: m.id, state: m.state, role: m.role })) }))

// Submit through the library API: the master places it (here on this node, the only one).
const greeting = await node.submit('greet', { name: 'edge' })
console.log(`greet -> ${JSON.stringify(greeting)}`)
const results = []
for await (const r of node.submitMany([1, 2, 3].map(n => ({ type: 'sha256', payload: { data: `block ${n}` } })))) results.push(r.ok)
console.log(`sha256 x3 -> ${results.filter(Boolean).length} ok`)

process.once('SIGINT', () => {})
await node.stop()
console.log('stopped')
