#!/usr/bin/env node
// UI under a flood: the built renderer in headless Chromium, served by a real workbench, while an outside
// client publishes at a fixed rate. Reports the tab's JS heap over time (it must level off, not grow),
// how long a click takes to show its result, and how far behind the page's frames fall.
// Not a test: nothing fails when a number gets worse.
//
//   node bench/ui-flood.js [--rate 10000] [--seconds 60] [--view timeline|clients|broker] [--profile]
//
// --profile: record the tab's CPU profile during the flood and print where its time went.
//
// Needs `npm run build` (out/) and /usr/bin/chromium.

import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import mqtt from 'mqtt'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const out = path.join(here, '..', 'out')
const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    view: { type: 'string', default: 'timeline' },
    profile: { type: 'boolean', default: false }
  }
})
const rate = Number(opt.rate)
const seconds = Number(opt.seconds)
if (!existsSync(path.join(out, 'renderer', 'index.html'))) {
  console.error('bench/ui-flood.js: run `npm run build` first')
  process.exit(2)
}
const load = (file) => import(pathToFileURL(path.join(out, file)).href)
const { Workbench } = await load('main/workbench/workbench.js')
const { startWebSocketFace } = await load('main/transport/websocket.js')

const workbench = await Workbench.start({
  broker: { tcp: { host: '127.0.0.1', port: 0 }, ws: false, sysInterval: 0 },
  dataDir: null
})
const face = await startWebSocketFace(workbench, { host: '127.0.0.1', port: 0, token: null, staticDir: path.join(out, 'renderer') })
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync']
})
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
const cdp = await page.context().newCDPSession(page)
await page.goto(face.url)
await page.getByText('connected', { exact: true }).waitFor()

// Two named clients so the UI has lanes and a messages list to keep up to date.
for (const name of ['myClient1', 'myClient2']) {
  await workbench.call('clients.create', { name })
  await workbench.call('clients.connect', { name })
}
await workbench.call('clients.subscribe', { name: 'myClient2', filter: 'flood/#', qos: 0 })
const tabName = opt.view[0].toUpperCase() + opt.view.slice(1)
await page.getByRole('tab', { name: tabName }).click()

// Frame gaps: how late requestAnimationFrame runs (a frozen tab shows long gaps).
await page.evaluate(`(() => {
  window.__gaps = []; let last = performance.now();
  const frame = (t) => { window.__gaps.push(t - last); last = t; requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
})()`)

const heapMiB = async () => {
  await cdp.send('HeapProfiler.collectGarbage')
  const { usedSize } = await cdp.send('Runtime.getHeapUsage')
  return usedSize / 1048576
}
// Timed inside the page (the driver shares this busy process): click a tab, wait until the view shows
// and the next frame is painted; then back.
const switchTo = (name) => page.evaluate(`new Promise((resolve) => {
  const tab = [...document.querySelectorAll('[role=tab]')].find((t) => t.textContent.trim() === '${name}');
  const started = performance.now();
  tab.click();
  const check = () => tab.getAttribute('aria-selected') === 'true'
    ? requestAnimationFrame(() => resolve(performance.now() - started))
    : requestAnimationFrame(check);
  check();
})`)
const tabSwitchMs = async () => {
  const other = tabName === 'Broker' ? 'Retained' : 'Broker'
  return (await switchTo(other)) + (await switchTo(tabName))
}

const publisher = mqtt.connect(workbench.broker.addresses[0].url, { clientId: 'flood-pub', reconnectPeriod: 0 })
await new Promise((resolve, reject) => { publisher.once('connect', resolve); publisher.once('error', reject) })
const payload = Buffer.from(JSON.stringify({ temp: 21.5, unit: 'C' }))
const heapStart = await heapMiB()
if (opt.profile) {
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.start')
}
const samples = []
const started = Date.now()
let sent = 0
const timer = setInterval(() => {
  const due = Math.min(rate * seconds, Math.floor(((Date.now() - started) * rate) / 1000))
  for (; sent < due; sent++) publisher.publish(`flood/${sent % 20}/temp`, payload, { qos: 0 })
}, 2)
for (let s = 10; s <= seconds; s += 10) {
  await new Promise((resolve) => setTimeout(resolve, started + s * 1000 - Date.now()))
  const sample = { atS: s, heapMiB: await heapMiB(), clickMs: await tabSwitchMs() }
  samples.push(sample)
  console.log(`  ${String(s).padStart(3)} s: heap ${sample.heapMiB.toFixed(1)} MiB, tab switch round trip ${sample.clickMs.toFixed(0)} ms, sent ${sent}`)
}
clearInterval(timer)
if (opt.profile) printProfile((await cdp.send('Profiler.stop')).profile)
const gaps = (await page.evaluate('window.__gaps')).sort((a, b) => a - b)
const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))]
console.log(`\nUI flood: ${rate} msg/s for ${seconds} s into the ${opt.view} view (${sent} messages)`)
console.log(`  tab JS heap after GC: start ${heapStart.toFixed(1)} MiB, max ${Math.max(...samples.map((s) => s.heapMiB)).toFixed(1)} MiB, end ${samples.at(-1).heapMiB.toFixed(1)} MiB`)
console.log(`  tab switch round trip: median ${samples.map((s) => s.clickMs).sort((a, b) => a - b)[Math.floor(samples.length / 2)].toFixed(0)} ms, max ${Math.max(...samples.map((s) => s.clickMs)).toFixed(0)} ms`)
console.log(`  frame gaps: p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms, max ${gaps.at(-1).toFixed(0)} ms (${gaps.length} frames)`)
publisher.end(true)
await browser.close()
await face.close()
await workbench.close()

/** The functions with the most self time, and the share of the tab's time each took. */
function printProfile (profile) {
  const dt = new Map()
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const self = new Map()
  let total = 0
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0
    total += us
    const f = node.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + us)
  }
  console.log('\n  tab CPU profile, self time (top 20):')
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`  ${(100 * us / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`)
  }
}
