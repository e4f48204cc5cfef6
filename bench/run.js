#!/usr/bin/env node
// MQTT broker benchmark: ours vs Aedes vs Mosquitto, same run, same load.
//
//   node bench/run.js [--only fan-in,fan-out] [--duration 5] [--warmup 1]
//                     [--brokers ours,aedes,mosquitto] [--ours-cmd "node x.js"]
//                     [--repeat 1] [--nodelay] [--no-pin]
//                     [--out bench/results/latest.json]
//
// For every scenario and broker: start a fresh broker (pinned to core 0),
// run bench/load/loadgen.js against it (pinned to core 1), collect its JSON,
// stop the broker. See bench/README.md.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { brokerDefs } from './lib/brokers.js'
import { spawnPinned, stopChild, tailLines, installExitHandlers, tasksetPath, clkTck, childNofile, hardNofile } from './lib/procs.js'
import { renderTable } from './lib/report.js'
import { systemCpuSeconds } from './load/procstat.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..')

const SCENARIOS = [
  { name: 'fan-in', what: '10 publishers -> 1 subscriber (bench/#), QoS 0, 64 B', timeoutS: 60 },
  { name: 'fan-out', what: '1 publisher -> 100 subscribers, QoS 0, 64 B', timeoutS: 60 },
  { name: 'qos1', what: 'QoS 1 round trip, 100 in flight', timeoutS: 60 },
  { name: 'qos2', what: 'QoS 2 round trip, 100 in flight', timeoutS: 60 },
  { name: 'latency', what: 'QoS 0 latency at 5,000 msg/s', timeoutS: 60 },
  { name: 'idle', what: '5,000 then 10,000 idle connections', timeoutS: 180, timed: false },
  { name: 'retained', what: '100,000 retained messages, then a new # subscriber', timeoutS: 300, timed: false },
  { name: 'large', what: '1 MiB payloads, QoS 0, 1 -> 1', timeoutS: 90 }
]
const ALL_BROKERS = ['ours', 'aedes', 'mosquitto']

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string' },
    brokers: { type: 'string', default: ALL_BROKERS.join(',') },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'ours-cmd': { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    nodelay: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(here, 'results', 'latest.json') },
    help: { type: 'boolean', short: 'h', default: false }
  }
})

if (opt.help) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 12).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'))
  process.exit(0)
}

const only = opt.only ? opt.only.split(',').map((s) => s.trim()).filter(Boolean) : null
for (const s of only ?? []) {
  if (!SCENARIOS.some((x) => x.name === s)) {
    console.error(`unknown scenario "${s}"; known: ${SCENARIOS.map((x) => x.name).join(', ')}`)
    process.exit(2)
  }
}
const brokers = opt.brokers.split(',').map((s) => s.trim()).filter(Boolean)
for (const b of brokers) {
  if (!ALL_BROKERS.includes(b)) {
    console.error(`unknown broker "${b}"; known: ${ALL_BROKERS.join(', ')}`)
    process.exit(2)
  }
}
const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name))
const duration = Number(opt.duration)
const warmup = Number(opt.warmup)
const repeat = Number(opt.repeat)
if (!(Number.isInteger(repeat) && repeat >= 1)) {
  console.error('--repeat must be a positive integer')
  process.exit(2)
}
if (!(duration > 0) || !(warmup >= 0)) {
  console.error('--duration must be > 0 and --warmup >= 0 (seconds)')
  process.exit(2)
}

installExitHandlers()

const cpus = os.availableParallelism?.() ?? os.cpus().length
let pinNote
let brokerCore = null
let loadCore = null
if (opt['no-pin']) pinNote = 'unpinned (--no-pin)'
else if (!tasksetPath) pinNote = 'unpinned: taskset (util-linux) not found'
else if (cpus < 2) pinNote = `unpinned: only ${cpus} CPU available`
else {
  brokerCore = 0
  loadCore = 1
  pinNote = 'broker pinned to core 0, load generator to core 1 (taskset)'
}

const defs = brokerDefs({
  repoRoot,
  core: brokerCore,
  oursCmd: opt['ours-cmd'] ? opt['ours-cmd'].split(/\s+/).filter(Boolean) : null,
  limits: { maxQueued: 1000, maxInflight: 100 },
  nodelay: opt.nodelay
})

const log = (...a) => console.error(...a)

/** Runs the load generator for one scenario; resolves its parsed JSON. */
function runLoad (scenario, broker) {
  return new Promise((resolve) => {
    const child = spawnPinned([process.execPath, 'bench/load/loadgen.js',
      '--scenario', scenario.name, '--port', String(broker.port), '--broker-pid', String(broker.pid),
      '--clk-tck', String(clkTck), '--warmup', String(warmup), '--duration', String(duration)],
    { core: loadCore, cwd: repoRoot })
    let stdout = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (s) => { stdout += s })
    const err = tailLines(child.stderr)
    const timeoutS = scenario.timed === false ? scenario.timeoutS : scenario.timeoutS + warmup + duration
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; stopChild(child, 1000) }, timeoutS * 1000)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()
      let res = null
      try { res = line ? JSON.parse(line) : null } catch {}
      if (timedOut) return resolve({ ok: false, error: `load generator timed out after ${timeoutS} s` })
      if (res) return resolve(res)
      const tail = err.lines().filter(Boolean).slice(-3).join(' | ')
      resolve({ ok: false, error: `load generator exited with ${signal ?? 'code ' + code}${tail ? ': ' + tail : ''}` })
    })
  })
}

const results = {
  startedAt: new Date().toISOString(),
  machine: { cpus, cpuModel: os.cpus()[0]?.model, node: process.version, kernel: os.release(), platform: process.platform },
  pinning: pinNote,
  fdLimit: { child: childNofile, hard: hardNofile },
  options: { duration, warmup, repeat, nodelay: opt.nodelay, scenarios: scenarios.map((s) => s.name), brokers },
  brokers: {},
  scenarios: {}
}
const unavailable = {}
for (const b of brokers) {
  const reason = defs[b].available()
  if (reason) unavailable[b] = reason
  results.brokers[b] = { describe: defs[b].describe }
}

log(`MQTT broker benchmark: ${scenarios.map((s) => s.name).join(', ')} | brokers: ${brokers.join(', ')}`)
log(`${pinNote}; warm-up ${warmup} s, measure ${duration} s${repeat > 1 ? `, median of ${repeat} runs` : ''}; fd limit for children ${childNofile} (hard ${hardNofile})`)

// Is something else eating the CPUs? Then every number below is suspect.
{
  const a = systemCpuSeconds(clkTck)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const b = systemCpuSeconds(clkTck)
  if (a && b) {
    results.otherCpuBeforeStartPct = (b.busy - b.irq - a.busy + a.irq) * 100
    const msg = `machine load before start: ${Math.round(results.otherCpuBeforeStartPct)}% of one core busy`
    log(results.otherCpuBeforeStartPct > 15 ? `WARNING: ${msg} -- results will be noisy` : msg)
  }
}

/** Runs one scenario once against a fresh instance of broker b. */
async function runOnce (scenario, b) {
  log(`\n[${scenario.name}] ${b}: starting broker`)
  let broker
  const ts = Date.now()
  try {
    broker = await defs[b].start()
  } catch (err) {
    return { ok: false, startFailed: true, error: err.message }
  }
  const startupMs = Date.now() - ts
  log(`[${scenario.name}] ${b}: pid ${broker.pid} port ${broker.port}; running ${scenario.what}`)
  const res = await runLoad(scenario, broker)
  await new Promise((resolve) => setTimeout(resolve, 200)) // a crash during teardown takes a moment to show
  if (broker.exited()) {
    const ei = broker.exitInfo()
    const why = `broker died (${ei.signal ?? 'code ' + ei.code}): ${broker.lastOutput().filter(Boolean).slice(0, 3).join(' | ').slice(0, 300)}`
    if (res.ok) {
      // The load generator only reports ok if no connection broke while it
      // was running, so this happened while it closed its connections.
      res.brokerDiedAfterMeasurement = why
      log(`  note: ${why} -- after the measurement, while the load generator disconnected`)
    } else {
      res.error = `${why}${res.error ? '; ' + res.error : ''}`
    }
  }
  await broker.stop()
  res.startupMs = startupMs
  if (res.ok) {
    for (const r of res.rows) {
      const extra = Object.entries(r.info ?? {}).filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`).join(' ')
      log(`  ${r.label}: ${r.value === null ? '-' : r.value.toFixed(2)} ${r.unit}  (loadgen CPU ${r.loadCpuPct?.toFixed(0)}%, broker CPU ${r.brokerCpuPct?.toFixed(0) ?? '-'}%, other CPU ${r.otherCpuPct?.toFixed(0) ?? '-'}%, irq ${r.irqPct?.toFixed(0) ?? '-'}%, broker RSS ${r.brokerRssKb?.end ?? '-'} KB) ${extra}`)
    }
  } else {
    log(`  FAILED: ${res.error}`)
  }
  return res
}

/** Median (by value) of each row over the successful runs. */
function combine (runs) {
  const ok = runs.filter((r) => r.ok)
  if (ok.length === 0) return { ok: false, error: runs[runs.length - 1]?.error ?? 'no run', runs }
  const rows = []
  for (const first of ok[0].rows) {
    const candidates = ok.map((r) => r.rows.find((x) => x.id === first.id)).filter(Boolean)
    const valued = candidates.filter((x) => x.value !== null).sort((a, b) => a.value - b.value)
    const pick = valued.length ? valued[Math.floor((valued.length - 1) / 2)] : candidates[0]
    rows.push({ ...pick, allValues: candidates.map((x) => x.value) })
  }
  const failed = runs.filter((r) => !r.ok)
  const died = runs.find((r) => r.brokerDiedAfterMeasurement)?.brokerDiedAfterMeasurement
  return { ok: true, rows, runs, failedRuns: failed.length, error: failed.length ? failed[failed.length - 1].error : undefined, brokerDiedAfterMeasurement: died }
}

const t0 = Date.now()
for (const scenario of scenarios) {
  results.scenarios[scenario.name] = {}
  const runs = Object.fromEntries(brokers.map((b) => [b, []]))
  for (let rep = 0; rep < repeat; rep++) {
    for (const b of brokers) {
      if (unavailable[b]) continue
      const res = await runOnce(scenario, b)
      if (res.startFailed) {
        // A broker that cannot start is out for the rest of the run.
        unavailable[b] = res.error
        log(`[${scenario.name}] ${b}: not available (${res.error})`)
        continue
      }
      runs[b].push(res)
    }
  }
  for (const b of brokers) {
    results.scenarios[scenario.name][b] = runs[b].length
      ? combine(runs[b])
      : { ok: false, unavailable: unavailable[b] ?? 'not run' }
  }
}
results.elapsedSeconds = (Date.now() - t0) / 1000
for (const b of brokers) results.brokers[b].unavailable = unavailable[b] ?? null

// ---- table -----------------------------------------------------------------
const rowDefs = []
const cells = {}
const errors = []
for (const scenario of scenarios) {
  const per = results.scenarios[scenario.name]
  const ids = []
  for (const b of brokers) {
    const e = per[b]
    if (e?.ok) {
      for (const r of e.rows) {
        if (!ids.some((x) => x.id === r.id)) ids.push({ id: r.id, label: r.label, unit: r.unit, better: r.better })
      }
    }
  }
  if (ids.length === 0) ids.push({ id: scenario.name, label: `${scenario.name}: ${scenario.what}`, unit: '', better: 'higher' })
  rowDefs.push(...ids)
  for (const b of brokers) {
    const e = per[b]
    cells[b] ??= {}
    for (const { id } of ids) {
      if (!e || e.unavailable) cells[b][id] = { status: 'n/a' }
      else if (!e.ok) cells[b][id] = { status: 'ERR' }
      else {
        const r = e.rows.find((x) => x.id === id)
        if (!r) cells[b][id] = { status: '-' }
        else if (r.value === null) { cells[b][id] = { status: 'ERR' }; if (r.info?.error) errors.push(`${b} ${r.label}: ${r.info.error}`) } else cells[b][id] = r
      }
    }
    if (e && !e.unavailable && !e.ok) errors.push(`${b} ${scenario.name}: ${e.error}`)
  }
}
results.table = rowDefs.map((r) => ({
  ...r,
  values: Object.fromEntries(brokers.map((b) => [b, cells[b][r.id]?.status ? null : cells[b][r.id].value]))
}))

const table = renderTable({ rows: rowDefs, brokers, cells })
const notes = []
for (const b of brokers) {
  notes.push(`${b}: ${defs[b].describe}${unavailable[b] ? ` -- not available (${unavailable[b]})` : ''}`)
}
// Losses are part of the story for QoS 0: show them. So is a busy machine.
const OTHER_CPU_WARN = 15
let maxOther = 0
const noisy = []
for (const scenario of scenarios) {
  for (const b of brokers) {
    const e = results.scenarios[scenario.name][b]
    if (!e?.ok) continue
    if (e.brokerDiedAfterMeasurement) notes.push(`${b} ${scenario.name}: ${e.brokerDiedAfterMeasurement} (after the measurement, while the load generator disconnected)`)
    if (e.failedRuns) notes.push(`${b} ${scenario.name}: ${e.failedRuns} of ${e.runs.length} runs failed (${e.error}); the median is over the others`)
    const worst = Math.max(0, ...e.rows.map((r) => r.otherCpuPct ?? 0))
    maxOther = Math.max(maxOther, worst)
    if (worst > OTHER_CPU_WARN) noisy.push(`${scenario.name}/${b} ${Math.round(worst)}%`)
    for (const r of e.rows) {
      const g = r.info?.gapsOrDrops
      if (g) notes.push(`${b} ${r.id}: ${g.toLocaleString('en-US')} QoS 0 messages never arrived (dropped by the broker)`)
      if (r.info?.error && r.value !== null) notes.push(`${b} ${r.id}: ${r.info.error}`)
    }
  }
}

console.log('')
console.log(`MQTT broker benchmark (${new Date().toISOString()}, ${cpus} CPUs, ${os.cpus()[0]?.model ?? ''}, node ${process.version})`)
console.log(`${pinNote}; warm-up ${warmup} s + ${duration} s measured per throughput scenario; all rates measured at the receiver`)
console.log('')
console.log(table)
console.log('')
console.log(`CPU columns: % of one core over the measured window, in the order ${brokers.join('/')}. Busiest window had ${Math.round(maxOther)}% of a core used by other processes.`)
if (noisy.length) notes.push(`NOISY: other processes used more than ${OTHER_CPU_WARN}% of a core during: ${noisy.join(', ')} -- rerun on a quiet machine or use --repeat`)
for (const n of notes) console.log(`- ${n}`)
for (const e of errors) console.log(`- ERROR ${e}`)
console.log(`\ntotal time ${results.elapsedSeconds.toFixed(0)} s`)

fs.mkdirSync(path.dirname(opt.out), { recursive: true })
fs.writeFileSync(opt.out, JSON.stringify(results, null, 2) + '\n')
console.log(`results written to ${path.relative(process.cwd(), opt.out) || opt.out}`)
process.exit(0)
