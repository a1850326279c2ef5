// A placement policy of your own: GPU-labelled nodes first, the rest only when every GPU node is busy.
// Run: node examples/custom-placement/run.mjs  (three nodes in this process, on 127.0.0.1 only)
//
// The policy runs on whichever node is master, so every node gets the same one: a node that
// becomes master after a failover must place tasks the same way.
import { createNode } from 'mcp-cluster'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'

/** Lower is better. GPU nodes score in [0, 1), the others in [10, 11): a GPU node wins whenever one has room. */
const gpuFirst = (task, node) => {
  const busy = node.placed.slots / Math.max(1, node.capacity.slots)
  return (node.capacity.labels.gpu === 'true' ? 0 : 10) + busy
}

async function freePort () {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
  })
}

const dir = mkdtempSync(join(tmpdir(), 'custom-placement-'))
const ports = [await freePort(), await freePort(), await freePort()]
const addr = (p) => `/ip4/127.0.0.1/tcp/${p}`
const specs = [
  { name: 'gpu-box', labels: { gpu: 'true' } },
  { name: 'cpu-box-1', labels: {} },
  { name: 'cpu-box-2', labels: {} }
]
const nodes = await Promise.all(specs.map((s, i) => createNode({
  listen: [addr(ports[i])],
  peers: ports.filter((_, j) => j !== i).map(addr),
  mdns: false,
  http: 'off',
  expect: 3,
  slots: 2,
  labels: s.labels,
  placement: gpuFirst,
  dataDir: join(dir, s.name),
  logLevel: 'error'
})))
// A "render" task that takes a while, so the GPU node's two slots fill up.
for (const n of nodes) n.handle('render', async (frame) => { await new Promise(r => setTimeout(r, 300)); return { frame } })

const nameOf = new Map()
try {
  await Promise.all(nodes.map(n => n.start()))
  nodes.forEach((n, i) => nameOf.set(n.id, specs[i].name))
  // Wait until all three see each other and agree on a master.
  for (let i = 0; i < 200; i++) {
    const st = nodes.map(n => n.status())
    if (st.every(s => s.master != null && s.members.filter(m => m.state === 'alive').length === 3)) break
    await new Promise(r => setTimeout(r, 50))
  }
  const submitter = nodes[1]

  console.log('one at a time (the GPU node always has room):')
  const sequential = []
  for (let f = 0; f < 3; f++) {
    const r = await submitter.run('render', f)
    sequential.push(nameOf.get(r.node))
    console.log(`  frame ${f} -> ${nameOf.get(r.node)}`)
  }

  console.log('six at once (two GPU slots, the rest overflow to CPU nodes):')
  const burst = await Promise.all([0, 1, 2, 3, 4, 5].map(f => submitter.run('render', 10 + f)))
  const counts = {}
  for (const r of burst) counts[nameOf.get(r.node)] = (counts[nameOf.get(r.node)] ?? 0) + 1
  console.log(`  ${JSON.stringify(counts)}`)
  console.log(JSON.stringify({ sequential, burst: counts, allOk: burst.every(r => r.ok) }))
} finally {
  await Promise.all(nodes.map(n => n.stop()))
  rmSync(dir, { recursive: true, force: true })
}
