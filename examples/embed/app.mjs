// A node embedded in an app: start it, watch the cluster, stop it cleanly.
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

node.on('membership', (e) => console.log(`member ${e.type}: ${e.id}`))
node.on('election', (e) => { if (e.type === 'elected') console.log(`this node is master at epoch ${e.term}`) })

await node.start()
console.log(`node ${node.id} listening on ${node.multiaddrs.join(', ')}`)

// Wait until the cluster has a master, print what the node sees, then stop.
for (let i = 0; i < 100 && node.status().master == null; i++) await new Promise(r => setTimeout(r, 50))
const status = node.status()
console.log(JSON.stringify({ master: status.master, members: status.members.map(m => ({ id: m.id, state: m.state, role: m.role })) }))

process.once('SIGINT', () => {})
await node.stop()
console.log('stopped')
