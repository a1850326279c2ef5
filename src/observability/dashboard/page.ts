// The live dashboard served at GET /: one self-contained page (inline CSS and script, no
// external assets, so it works on offline machines). It polls ./dashboard.json every second.
// With `?token=...` in its address it sends the token as a bearer header on every fetch.
// Everything that comes from the cluster is inserted as text, never as HTML.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcp-cluster</title>
<style>
  :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --mute: #6b7585; --line: #e1e5eb; --ok: #2e9d5b; --warn: #d9901a; --bad: #d0443c; --accent: #3366cc; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; background: #1d2430; color: #fff; }
  header h1 { margin: 0; font-size: 18px; font-weight: 600; }
  header .sub { color: #b9c2d0; font-size: 13px; }
  #live { margin-left: auto; font-size: 13px; }
  #live.ok::before { content: "\\25CF  "; color: #54d18a; }
  #live.down::before { content: "\\25CF  "; color: #ff6b61; }
  main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(12, 1fr); }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
  section h2 { margin: 0 0 8px; font-size: 12px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--mute); }
  .w3 { grid-column: span 3; } .w4 { grid-column: span 4; } .w6 { grid-column: span 6; } .w8 { grid-column: span 8; } .w12 { grid-column: span 12; }
  @media (max-width: 900px) { .w3, .w4, .w6, .w8 { grid-column: span 12; } }
  .big { font-size: 26px; font-weight: 600; }
  .mute { color: var(--mute); }
  .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { font-size: 12px; color: var(--mute); font-weight: 600; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
  .role-master { background: #fde7b0; color: #7a4d00; } .role-voter { background: #dce7fb; color: #1f4691; } .role-worker { background: #eceff3; color: #4a5361; }
  .state-alive { color: var(--ok); } .state-suspect { color: var(--warn); } .state-dead { color: var(--bad); }
  .bar { position: relative; width: 140px; height: 12px; background: #eceff3; border-radius: 6px; overflow: hidden; display: inline-block; vertical-align: middle; }
  .bar > span { position: absolute; left: 0; top: 0; bottom: 0; background: var(--accent); }
  .bar.hot > span { background: var(--warn); }
  .voters span { margin-right: 10px; display: inline-block; white-space: nowrap; }
  svg { width: 100%; display: block; }
  .legend span { margin-right: 14px; font-size: 12px; }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 5px; vertical-align: middle; }
  .empty { color: var(--mute); font-style: italic; }
</style>
</head>
<body>
<header><h1>mcp-cluster</h1><span class="sub" id="served">connecting…</span><span id="live">waiting</span></header>
<main>
  <section class="w3"><h2>Master</h2><div class="big mono" id="master" data-master="">–</div><div class="mute" id="master-detail"></div></section>
  <section class="w3"><h2>Voters</h2><div class="voters mono" id="voters">–</div><div class="mute" id="voters-detail"></div></section>
  <section class="w3"><h2>Members</h2><div class="big" id="members">–</div><div class="mute" id="members-detail"></div></section>
  <section class="w3"><h2>Throughput</h2><div class="big" id="rate">–</div><div class="mute" id="rate-detail"></div></section>
  <section class="w12"><h2>Nodes</h2>
    <table id="nodes"><thead><tr><th>Node</th><th>Role</th><th>State</th><th>Load</th><th>Event loop</th><th>RTT</th><th>Last seen</th><th>Version</th><th>Labels</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="w12"><h2>Leases (last 3 minutes)</h2><svg id="leases" height="46"></svg><div class="mute" id="lease-list"></div></section>
  <section class="w6"><h2>Tasks per second</h2><svg id="rates" height="150"></svg><div class="legend" id="rates-legend"></div></section>
  <section class="w6"><h2>Queue and running</h2><svg id="queue" height="150"></svg><div class="legend" id="queue-legend"></div></section>
  <section class="w12"><h2>Recent failures</h2>
    <table id="failures"><thead><tr><th>When</th><th>What</th><th>Task</th><th>Node</th><th>Why</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
(function () {
  'use strict'
  var WINDOW_MS = 180000
  var token = new URLSearchParams(location.search).get('token')
  var headers = token ? { Authorization: 'Bearer ' + token } : {}
  var SVGNS = 'http://www.w3.org/2000/svg'

  function $ (id) { return document.getElementById(id) }
  function el (tag, attrs, kids) {
    var e = document.createElement(tag)
    for (var k in attrs || {}) e.setAttribute(k, attrs[k])
    ;(kids || []).forEach(function (c) { e.append(c instanceof Node ? c : document.createTextNode(String(c))) })
    return e
  }
  function svg (tag, attrs) {
    var e = document.createElementNS(SVGNS, tag)
    for (var k in attrs) e.setAttribute(k, attrs[k])
    return e
  }
  function short (id) { return id && id.length > 12 ? '…' + id.slice(-8) : (id || '') }
  function hue (id) { var h = 0; for (var i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0; return h % 360 }
  function colorOf (id) { return 'hsl(' + hue(id) + ', 60%, 55%)' }
  function ago (ms) { return ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(1) + ' s' }
  function clock (t) { return new Date(t).toLocaleTimeString() }
  function fill (tbody, rows, emptyText, cols) {
    tbody.replaceChildren()
    if (rows.length === 0) tbody.append(el('tr', {}, [el('td', { colspan: String(cols), class: 'empty' }, [emptyText])]))
    rows.forEach(function (r) { tbody.append(r) })
  }

  function render (d) {
    var s = d.status
    var now = d.generatedAt
    $('served').textContent = 'as seen by ' + short(s.self.id) + ' (' + s.self.role + ') · v' + s.self.version + (s.self.openCluster ? ' · open cluster' : '')
    var m = s.master
    $('master').textContent = m ? short(m.id) : 'none'
    $('master').dataset.master = m ? m.id : ''
    $('master').title = m ? m.id : ''
    $('master-detail').textContent = m ? 'epoch ' + m.epoch + ' · lease ' + Math.round(m.leaseRemainingMs) + ' ms left' : 'election in progress or no quorum · epoch ' + s.epoch

    var byId = {}
    s.members.forEach(function (x) { byId[x.id] = x })
    var voters = $('voters')
    voters.replaceChildren()
    ;(s.voters || []).forEach(function (v) {
      var st = byId[v] ? byId[v].state : 'dead'
      voters.append(el('span', { class: 'state-' + st, title: v + ' (' + st + ')' }, ['● ' + short(v)]))
    })
    if (!s.voters) voters.textContent = 'not agreed yet'
    $('voters-detail').textContent = s.voters ? 'set v' + s.configVersion + (s.pendingVoters ? ' · changing to ' + s.pendingVoters.map(short).join(', ') : '') : ''

    var count = { alive: 0, suspect: 0, dead: 0 }
    s.members.forEach(function (x) { count[x.state]++ })
    $('members').textContent = count.alive + ' alive'
    $('members-detail').textContent = count.suspect + ' suspect · ' + count.dead + ' dead'

    var rtt = {}
    d.peers.forEach(function (p) { rtt[p.id] = p.rttMs })
    fill($('nodes').tBodies[0], s.members.map(function (x) {
      var used = x.load.running, slots = x.capacity.slots
      var pct = slots > 0 ? Math.min(100, 100 * used / slots) : 0
      var bar = el('span', { class: 'bar' + (pct >= 90 ? ' hot' : '') }, [el('span', { style: 'width:' + pct.toFixed(0) + '%' })])
      var labels = Object.keys(x.capacity.labels).map(function (k) { return k + '=' + x.capacity.labels[k] }).join(', ')
      var r = x.self ? '–' : (rtt[x.id] === undefined ? 'not connected' : rtt[x.id] === null ? '…' : rtt[x.id] + ' ms')
      return el('tr', { 'data-node': x.id, 'data-role': x.role, 'data-state': x.state }, [
        el('td', { class: 'mono', title: x.id }, [short(x.id) + (x.self ? ' (this node)' : '')]),
        el('td', {}, [el('span', { class: 'badge role-' + x.role }, [x.role])]),
        el('td', { class: 'state-' + x.state }, [x.state + (x.deadReason ? ' (' + x.deadReason + ')' : '')]),
        el('td', {}, [bar, ' ' + used + '/' + slots]),
        el('td', {}, [x.load.eventLoopDelayMs + ' ms']),
        el('td', {}, [r]),
        el('td', {}, [x.self ? '–' : ago(x.lastSeenMs) + ' ago']),
        el('td', {}, [x.version]),
        el('td', { class: 'mute' }, [labels])
      ])
    }), 'no members', 9)

    var samples = d.timeline.samples
    var last = samples[samples.length - 1]
    var rate = last ? (last.placed !== null ? last.placed : last.ran) : 0
    $('rate').textContent = (last ? rate.toFixed(1) : '–') + ' tasks/s'
    $('rate-detail').textContent = !last ? ''
      : last.placed !== null ? 'placed in the cluster (this node is master) · queue ' + last.queue
      : 'run on this node · ' + last.settled + '/s submitted here finished · the master sees the whole cluster'

    drawLeases(d.timeline.masters, now)
    chart($('rates'), $('rates-legend'), samples, now, [
      { key: 'placed', name: 'placed in the cluster (while master)', color: '#2e9d5b' },
      { key: 'ran', name: 'run on this node', color: '#3366cc' },
      { key: 'settled', name: 'submitted here, finished', color: '#9b59b6' }
    ])
    chart($('queue'), $('queue-legend'), samples, now, [
      { key: 'queue', name: 'master queue (while master)', color: '#d9901a' },
      { key: 'running', name: 'running in the cluster', color: '#3366cc' }
    ])

    fill($('failures').tBodies[0], d.timeline.failures.slice(-10).reverse().map(function (f) {
      return el('tr', {}, [
        el('td', {}, [clock(f.t)]),
        el('td', {}, [f.kind + (f.code ? ' (' + f.code + ')' : '')]),
        el('td', { class: 'mono' }, [f.id || '–']),
        el('td', { class: 'mono', title: f.node || '' }, [f.node ? short(f.node) : '–']),
        el('td', {}, [f.message])
      ])
    }), 'no failures seen by this node', 5)
  }

  function drawLeases (masters, now) {
    var box = $('leases')
    var W = box.clientWidth || 800
    box.replaceChildren()
    var t0 = now - WINDOW_MS
    box.append(svg('rect', { x: 0, y: 6, width: W, height: 22, fill: '#eceff3', rx: 4 }))
    masters.forEach(function (c, i) {
      var next = masters[i + 1]
      var a = Math.max(c.t, t0), b = next ? next.t : now
      if (b <= t0 || c.master === null) return
      var x = (a - t0) / WINDOW_MS * W, w = Math.max(2, (b - a) / WINDOW_MS * W)
      var r = svg('rect', { x: x, y: 6, width: w, height: 22, fill: colorOf(c.master), rx: 3 })
      var tip = svg('title', {}); tip.textContent = c.master + ' · epoch ' + c.epoch; r.append(tip)
      box.append(r)
      if (w > 70) { var t = svg('text', { x: x + 6, y: 21, fill: '#fff', 'font-size': 12 }); t.textContent = short(c.master) + ' · e' + c.epoch; box.append(t) }
    })
    var axis = svg('text', { x: 0, y: 42, fill: '#6b7585', 'font-size': 11 }); axis.textContent = '−3 min'; box.append(axis)
    var axis2 = svg('text', { x: W - 24, y: 42, fill: '#6b7585', 'font-size': 11 }); axis2.textContent = 'now'; box.append(axis2)
    $('lease-list').textContent = masters.slice(-4).reverse().map(function (c) {
      return clock(c.t) + ' ' + (c.master ? short(c.master) + ' epoch ' + c.epoch : 'no master')
    }).join('  ·  ')
  }

  function chart (box, legend, samples, now, series) {
    var W = box.clientWidth || 600, H = 150, top = 8, bottom = 18, left = 36
    box.replaceChildren()
    var max = 1
    samples.forEach(function (s) { series.forEach(function (k) { if (s[k.key] !== null && s[k.key] > max) max = s[k.key] }) })
    var y = function (v) { return top + (H - top - bottom) * (1 - v / max) }
    var x = function (t) { return left + (W - left) * (1 - (now - t) / WINDOW_MS) }
    ;[0, max / 2, max].forEach(function (v) {
      box.append(svg('line', { x1: left, x2: W, y1: y(v), y2: y(v), stroke: '#e1e5eb' }))
      var t = svg('text', { x: 0, y: y(v) + 4, fill: '#6b7585', 'font-size': 11 }); t.textContent = v >= 10 ? Math.round(v) : v.toFixed(1); box.append(t)
    })
    series.forEach(function (k) {
      var pts = samples.filter(function (s) { return s[k.key] !== null && now - s.t <= WINDOW_MS })
        .map(function (s) { return x(s.t).toFixed(1) + ',' + y(s[k.key]).toFixed(1) })
      if (pts.length > 0) box.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: k.color, 'stroke-width': 2 }))
    })
    legend.replaceChildren()
    series.forEach(function (k) { legend.append(el('span', {}, [el('i', { style: 'background:' + k.color }), k.name])) })
  }

  function poll () {
    fetch('./dashboard.json', { headers: headers, cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) return r.text().then(function (t) { throw new Error(r.status + ' ' + t) })
        return r.json()
      })
      .then(function (d) {
        render(d)
        $('live').className = 'ok'
        $('live').textContent = 'live · ' + clock(d.generatedAt)
      })
      .catch(function (err) {
        $('live').className = 'down'
        $('live').textContent = 'no answer from this node: ' + (err && err.message ? err.message : err)
      })
      .then(function () { setTimeout(poll, 1000) })
  }
  poll()
})()
</script>
</body>
</html>
`
