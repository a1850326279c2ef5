// The dashboard at GET / in headless Chromium (Debian's, driven by playwright-core, with no
// network beyond 127.0.0.1): three nodes appear; after the master is killed the page shows
// the new master. And with --http-token the page works when given ?token=.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { LocalCluster } from '../../src/harness/local-cluster.js'
import { waitFor } from '../../src/harness/node-process.js'
import { nodeById } from './scenarios/election.js'
import { createNode } from '../../src/node/create-node.js'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** The master the page shows (its full id), or '' for none. */
async function shownMaster (page: Page): Promise<string> {
  return await page.getAttribute('#master', 'data-master') ?? ''
}

async function rows (page: Page): Promise<Array<{ id: string, role: string, state: string }>> {
  return await page.$$eval('#nodes tbody tr[data-node]', trs => trs.map(tr => ({
    id: tr.getAttribute('data-node') ?? '',
    role: tr.getAttribute('data-role') ?? '',
    state: tr.getAttribute('data-state') ?? ''
  })))
}

describe('the dashboard in headless Chromium', { timeout: 180_000 }, () => {
  let browser: Browser

  before(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  })

  after(async () => {
    await browser?.close()
  })

  test('three nodes appear; after the master is killed the page shows the new master', async () => {
    const cluster = await LocalCluster.create({ nodes: 3, logLevel: 'warn' })
    const page = await browser.newPage()
    try {
      cluster.start()
      const st = await cluster.waitConverged(30_000)
      const oldMaster = st[0]!.master!.id
      const victim = nodeById(cluster, st, oldMaster)
      // Served by a node that survives: the page shows the cluster as that node sees it.
      const served = cluster.nodes.find(n => n !== victim)!
      await page.goto(`http://${served.spec.http!}/`)

      const three = await waitFor('three nodes on the page', async () => { const r = await rows(page); return r.length === 3 ? r : undefined }, 20_000, 200)
      assert.deepEqual(three.map(r => r.id).sort(), st.map(s => s.self.id).sort())
      await waitFor('the master on the page', async () => await shownMaster(page) === oldMaster, 20_000, 200)
      assert.equal((await rows(page)).find(r => r.id === oldMaster)?.role, 'master')
      assert.match(await page.textContent('#live') ?? '', /^live/)

      victim.signal('SIGKILL')
      await victim.waitExit()
      const newMaster = await waitFor('a new master on the page', async () => {
        const shown = await shownMaster(page)
        return shown !== '' && shown !== oldMaster ? shown : undefined
      }, 30_000, 200)
      assert.ok(st.some(s => s.self.id === newMaster), 'the new master is one of the survivors')
      await waitFor('the new master\'s row to say master and the old one not alive', async () => {
        const r = await rows(page)
        return r.find(x => x.id === newMaster)?.role === 'master' && r.find(x => x.id === oldMaster)?.state !== 'alive'
      }, 30_000, 200)
      // The lease timeline lists the takeover.
      assert.match(await page.textContent('#lease-list') ?? '', new RegExp(`…${newMaster.slice(-8)} epoch \\d+`))
    } finally {
      await page.close()
      await cluster.stop()
      cluster.cleanup()
    }
  })

  test('with --http-token the page loads and fetches with ?token=, and says so without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-dashboard-'))
    const node = await createNode({ expect: 1, mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'], http: '127.0.0.1:0', httpToken: 'sesame', dataDir: dir, logLevel: 'error' })
    const page = await browser.newPage()
    try {
      await node.start()
      const res = await fetch(`${node.httpUrl!}/dashboard.json`)
      assert.equal(res.status, 401, 'the data needs the token')

      await page.goto(`${node.httpUrl!}/`)
      await waitFor('the page to say it got no data', async () => await page.getAttribute('#live', 'class') === 'down', 10_000, 200)
      assert.match(await page.textContent('#live') ?? '', /401/)

      await page.goto(`${node.httpUrl!}/?token=sesame`)
      const one = await waitFor('this node on the page', async () => { const r = await rows(page); return r.length === 1 ? r : undefined }, 20_000, 200)
      assert.deepEqual(one.map(r => r.id), [node.id])
      await waitFor('the node as master on the page', async () => await shownMaster(page) === node.id, 20_000, 200)
    } finally {
      await page.close()
      await node.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
