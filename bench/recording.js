#!/usr/bin/env node
// Recording benchmark: a workbench (broker, traffic log) in this process serves a steady QoS 0 load from
// bench/load/loadgen.js (latency scenario, its own process and core); first with no recording on, then
// with one on until it holds --packets packets. Prints, side by side: publish→deliver latency p50/p99,
// this process's CPU and event-loop lag, and the recording's packets/s and size. Not a test.
//
//   node bench/recording.js [--rate 20000] [--packets 1000000] [--off-seconds 10] [--retain] [--keep]
//
// --rate N: messages/s of the steady load (each is 2 packets on the broker: PUBLISH in, PUBLISH out).
// --packets N: how many packets the recording must hold before it stops (default 1,000,000).
// --off-seconds S: length of the measurement without recording.
// --retain: every message is published retained (the worst case for the recording's retained_changes:
//   one row with the payload per message, besides its packets).
// --keep: leave the data folder (with the .mqttrec) in place and print where it is.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import { clkTck, installExitHandlers, spawnPinned, stopChild, tailLines, tasksetPath } from './lib/procs.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '20000' },
    packets: { type: 'string', default: '1000000' },
    'off-seconds': { type: 'string', default: '10' },
    retain: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
if (opt.help) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 15).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'))
  process.exit(0)
}
const rate = Number(opt.rate)
const target = Number(opt.packets)
const offSeconds = Number(opt['off-seconds'])

installExitHandlers()
const entry = path.join(here, '..', 'out', 'main', 'workbench', 'workbench.js')
if (!fs.existsSync(entry)) {
  console.error('bench/recording.js: not built yet; run npm run build first')
  process.exit(2)
}
const { Workbench } = await import(pathToFileURL(entry).href)

// The broker (this process) on core 0, the load on core 1, as bench/run.js does.
const pinned = tasksetPath && os.availableParallelism() > 1
if (pinned) spawnSync(tasksetPath, ['-cp', '0', String(process.pid)], { stdio: 'ignore' })

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-workbench-bench-recording-'))
let storeErrors = 0
const workbench = await Workbench.start({
  broker: { tcp: { host: '127.0.0.1', port: 0 }, ws: false, sysInterval: 0 },
  dataDir,
  onStoreError: (error) => {
    storeErrors++
    console.error(`store: ${error.message}`)
  }
})
const port = workbench.broker.addresses[0].port

/** Runs the latency scenario for `seconds` (after 1 s of warm-up) and returns its p50/p99 rows. */
async function steadyLoad (seconds) {
  const child = spawnPinned([process.execPath, path.join(here, 'load', 'loadgen.js'), '--scenario', 'latency', '--port', String(port),
    '--rate', String(rate), '--warmup', '1', '--duration', String(seconds), '--broker-pid', String(process.pid), '--clk-tck', String(clkTck),
    ...(opt.retain ? ['--retain'] : [])],
  { core: pinned ? 1 : null })
  const stderr = tailLines(child.stderr)
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (s) => { out += s })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const timer = setTimeout(() => stopChild(child), (seconds + 30) * 1000)
  await exited
  clearTimeout(timer)
  const result = JSON.parse(out.trim().split('\n').at(-1) || '{}')
  if (!result.ok) throw new Error(`load generator failed: ${result.error ?? stderr.join('\n')}`)
  const get = (id) => result.rows.find((r) => r.id === id)
  return { p50: get('latency-p50').value, p99: get('latency-p99').value, info: get('latency-p50').info, brokerCpuPct: get('latency-p50').brokerCpuPct }
}

/** This process's CPU (% of one core) and event-loop lag over a phase. */
function processProbe () {
  const lag = monitorEventLoopDelay({ resolution: 5 })
  lag.enable()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  return () => {
    lag.disable()
    const cpu = process.cpuUsage(cpu0)
    const ms = performance.now() - t0
    return { cpuPct: ((cpu.user + cpu.system) / 1000 / ms) * 100, lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 }
  }
}

const fmt = (n, d = 2) => (n === null || n === undefined ? '-' : Number(n).toFixed(d))
const int = (n) => Math.round(n).toLocaleString('en-US')

console.log(`recording bench: steady load ${int(rate)} msg/s QoS 0${opt.retain ? ', retained' : ''} (${int(2 * rate)} broker packets/s), ` +
  `recording ${int(target)} packets${pinned ? ', broker on core 0, load on core 1' : ', unpinned'}`)

// 1. No recording (the traffic log is on, as always).
let probe = processProbe()
const off = await steadyLoad(offSeconds)
const offProc = probe()

// 2. A recording on for the whole load, which lasts until about `target` packets went through (the
//    warm-up second adds some); the recording is stopped once the load ends and it holds them.
const started = await workbench.call('recording.start', { name: 'bench' })
const t0 = performance.now()
probe = processProbe()
const on = await steadyLoad(Math.ceil(target / (2 * rate)))
const onProc = probe()
const deadline = Date.now() + 60_000
let info = started
while (info.packets < target && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 100))
  info = (await workbench.call('recording.list', {})).find((r) => r.id === started.id)
  if (info.packets < target) await steadyLoad(1) // the load fell short: top it up
}
const stopped = await workbench.call('recording.stop', {})
const seconds = (performance.now() - t0) / 1000
const { lost } = await workbench.call('traffic.stats', {})

console.log('')
console.log('| recording | latency p50 (ms) | latency p99 (ms) | p99.9 (ms) | achieved msg/s | broker process CPU % | event-loop lag p99 / max (ms) |')
console.log('|---|---:|---:|---:|---:|---:|---:|')
for (const [label, r, p] of [['off', off, offProc], ['on', on, onProc]]) {
  console.log(`| ${label} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.info.p999)} | ${int(r.info.achievedRate)} | ${fmt(p.cpuPct, 0)} | ${fmt(p.lagP99Ms, 1)} / ${fmt(p.lagMaxMs, 1)} |`)
}
console.log('')
console.log(`recording: ${int(stopped.packets)} packets in ${fmt(seconds, 1)} s = ${int(stopped.packets / seconds)} packets/s; ` +
  `${fmt(stopped.bytes / 1024 / 1024, 1)} MiB on disk, ${fmt(stopped.bytes / stopped.packets, 0)} bytes per packet` +
  `; live log lost ${lost}, store errors ${storeErrors}`)
if (opt.retain) console.log(`retained changes recorded: ${int(retainedChanges(stopped.id))}`)
console.log(`added latency with recording on: p50 ${fmt(on.p50 - off.p50, 3)} ms, p99 ${fmt(on.p99 - off.p99, 3)} ms`)

/** Rows of the recording's retained_changes (one per retained message the broker stored). */
function retainedChanges (id) {
  const db = new Database(path.join(dataDir, 'recordings', `${id}.mqttrec`), { readonly: true })
  try {
    return db.prepare('SELECT count(*) FROM retained_changes').pluck().get()
  } finally {
    db.close()
  }
}

await workbench.close()
if (opt.keep) console.log(`kept: ${dataDir}`)
else fs.rmSync(dataDir, { recursive: true, force: true })
process.exit(0)
