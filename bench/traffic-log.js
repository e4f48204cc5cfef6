#!/usr/bin/env node
// Traffic log benchmark: ingest through TrafficLog next to a plain better-sqlite3 ceiling, same rows,
// same run; then page queries on the filled log. Not a test: nothing fails when a number gets worse.
//
//   node bench/traffic-log.js [--code out] [--duration 5] [--flush-delay MS] [--prune-budget-mib 32]
//
// --code DIR: the compiled project to load (default out/, or $TRAFFIC_BENCH_CODE). A folder outside the
//   repository needs node_modules and "type": "module" next to it, e.g.
//   npx tsc -p tsconfig.json --outDir /tmp/store-out; ln -s $PWD/node_modules /tmp/store-out/;
//   echo '{"type":"module"}' > /tmp/store-out/package.json; node bench/traffic-log.js --code /tmp/store-out
// --flush-delay MS: TrafficLog's flushDelayMs (default: the log's own default).
// --prune-budget-mib N: a last ingest run with this budget, so pruning runs all the time (0 skips it).

import Database from 'better-sqlite3'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: opt } = parseArgs({
  options: {
    code: { type: 'string', default: process.env.TRAFFIC_BENCH_CODE ?? path.join(here, '..', 'out') },
    duration: { type: 'string', default: '5' },
    'flush-delay': { type: 'string' },
    'prune-budget-mib': { type: 'string', default: '32' },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
if (opt.help) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 13).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'))
  process.exit(0)
}
const duration = Number(opt.duration)
const logOptions = opt['flush-delay'] === undefined ? {} : { flushDelayMs: Number(opt['flush-delay']) }
const pruneBudget = Number(opt['prune-budget-mib']) * 1024 * 1024

const code = path.resolve(opt.code)
const load = (file) => import(pathToFileURL(path.join(code, 'main/store', file)).href)
let store
try {
  store = { ...(await load('workbench-db.js')), ...(await load('traffic-log.js')) }
} catch (error) {
  console.error(`cannot load the compiled store from ${code} (${error.message}); run npm run build, or pass --code DIR (see --help)`)
  process.exit(2)
}
const { openWorkbenchDatabase, TrafficLog } = store

// ---- The workload: what a broker with a few devices, two subscribers and one named client logs ----

const PUBLISHERS = Array.from({ length: 8 }, (_, i) => `gateway-${i + 1}`)
const SUBSCRIBERS = ['dashboard', 'historian']
const PAYLOADS = Array.from({ length: 64 }, (_, i) => Buffer.alloc(64, i))
const topicOf = (n) => `site/line${1 + (n % 5)}/sensor${1 + (Math.floor(n / 5) % 100)}/temp`

const entry = (timeUs, side, direction, connection, type, topic, qos, packetId, payload, reasonCode = null) => ({
  timeUs, side, direction, connection, type, topic, qos, retain: false, dup: false, packetId, reasonCode,
  fields: null, payload, head: headOf(type, topic, qos)
})

// The bytes before the payload, as the tap keeps them: the sizes are right, the packet ids are not.
const HEADS = new Map()
const FIXED_HEADS = { puback: [0x40, 2, 0, 1], pingreq: [0xc0, 0], pingresp: [0xd0, 0], suback: [0x90, 3, 0, 1, 1] }
function headOf (type, topic, qos) {
  const key = `${type} ${topic} ${qos}`
  let head = HEADS.get(key)
  if (!head) {
    const t = topic ? Buffer.from(topic) : Buffer.alloc(0)
    const rest = type === 'publish' ? [0, t.length, ...t, ...(qos ? [0, 1] : [])]
      : type === 'subscribe' ? [0, 1, 0, t.length, ...t, 1]
        : FIXED_HEADS[type].slice(2)
    const first = type === 'publish' ? 0x30 | (qos << 1) : type === 'subscribe' ? 0x82 : FIXED_HEADS[type][0]
    // The remaining length counts the payload too (64 bytes on this workload's PUBLISH).
    head = Buffer.from([first, rest.length + (type === 'publish' ? 64 : 0), ...rest])
    HEADS.set(key, head)
  }
  return head
}

/**
 * The packets of message n, as the tap would hand them over: the QoS 1 PUBLISH in and its PUBACK,
 * the PUBLISH out to each subscriber and their PUBACKs; every 10th also reaches the named client,
 * every 50th publisher sends a PINGREQ, every 20,000th a rare client subscribes. About half the packets
 * carry a 64-byte payload.
 */
function packetsOf (n, timeUs, out) {
  const from = PUBLISHERS[n % PUBLISHERS.length]
  const topic = topicOf(n)
  const payload = PAYLOADS[n % PAYLOADS.length]
  const id = 1 + (n % 65535)
  out.push(entry(timeUs, 'broker', 'in', from, 'publish', topic, 1, id, payload))
  out.push(entry(timeUs + 1, 'broker', 'out', from, 'puback', null, null, id, null, 0))
  for (const sub of SUBSCRIBERS) {
    out.push(entry(timeUs + 2, 'broker', 'out', sub, 'publish', topic, 1, id, payload))
    out.push(entry(timeUs + 3, 'broker', 'in', sub, 'puback', null, null, id, null, 0))
  }
  if (n % 10 === 0) out.push(entry(timeUs + 4, 'client', 'in', 'probe', 'publish', topic, 0, null, payload))
  if (n % 50 === 0) {
    out.push(entry(timeUs + 5, 'broker', 'in', from, 'pingreq', null, null, null, null))
    out.push(entry(timeUs + 5, 'broker', 'out', from, 'pingresp', null, null, null, null))
  }
  if (n % 20000 === 7) { // something rare to look for: a client that comes by now and then
    out.push(entry(timeUs + 6, 'broker', 'in', 'late-joiner', 'subscribe', 'alarms/line2/overheat', null, 1, null))
    out.push(entry(timeUs + 7, 'broker', 'out', 'late-joiner', 'suback', null, null, 1, null, 1))
  }
}

// ---- Measuring ----

/** Max and 99th percentile of how late a 10 ms timer fires: what a broker sharing the thread would feel. */
function lagProbe () {
  const delays = []
  let timer
  let expected = performance.now() + 10
  const tick = () => {
    const now = performance.now()
    delays.push(Math.max(0, now - expected))
    expected = now + 10
    timer = setTimeout(tick, 10)
  }
  timer = setTimeout(tick, 10)
  return () => {
    clearTimeout(timer)
    delays.sort((a, b) => a - b)
    return { maxMs: delays.at(-1) ?? 0, p99Ms: delays[Math.floor(delays.length * 0.99)] ?? 0 }
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Appends as a busy broker would: each turn handles a burst of messages (as one read of several sockets
 * would), then yields, so the log's own scheduled flushes run as they do in production.
 */
async function ingest (log, seconds) {
  const stopLag = lagProbe()
  const batch = []
  let packets = 0
  let n = 0
  const start = performance.now()
  const end = start + seconds * 1000
  const base = Date.now() * 1000
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++, n++) packetsOf(n, base + n * 10, batch)
    for (const e of batch) log.append(e)
    packets += batch.length
    batch.length = 0
    await turn()
  }
  log.flush()
  const elapsed = (performance.now() - start) / 1000
  return { packets, messages: n, perSecond: packets / elapsed, ...stopLag() }
}

/** A steady offered rate (packets/s), as a busy but not saturated broker would log: lag and CPU share. */
async function steady (log, seconds, rate) {
  const stopLag = lagProbe()
  const batch = []
  let packets = 0
  let n = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  const base = Date.now() * 1000
  for (let now = start; now < start + seconds * 1000; now = performance.now()) {
    const due = rate * (now - start) / 1000
    while (packets < due) {
      packetsOf(n, base + n * 10, batch)
      n++
      for (const e of batch) log.append(e)
      packets += batch.length
      batch.length = 0
    }
    await sleep(1)
  }
  log.flush()
  const used = process.cpuUsage(cpu)
  const elapsed = (performance.now() - start) / 1000
  return { packets, perSecond: packets / elapsed, cpuPct: 100 * (used.user + used.system) / 1e6 / elapsed, ...stopLag() }
}

// The reference: the same rows in an equivalent table (the traffic table's columns, without the block
// summaries our log keeps), plain prepared INSERT, one transaction per 5,000 rows, no event loop in
// between: the ceiling for our code.
const REFERENCE_SCHEMA = `
CREATE TABLE traffic (
  id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL, side INTEGER NOT NULL, direction INTEGER NOT NULL,
  connection TEXT NOT NULL, type INTEGER NOT NULL, topic TEXT, qos INTEGER, retain INTEGER NOT NULL,
  dup INTEGER NOT NULL, packet_id INTEGER, reason_code INTEGER, fields TEXT, payload BLOB,
  payload_size INTEGER NOT NULL, head BLOB
) STRICT;`
const TYPE = { publish: 3, puback: 4, subscribe: 8, suback: 9, pingreq: 12, pingresp: 13 }

function reference (file, packets) {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(REFERENCE_SCHEMA)
  const insert = db.prepare('INSERT INTO traffic VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
  const rows = []
  const base = Date.now() * 1000
  for (let n = 0; rows.length < packets; n++) {
    const out = []
    packetsOf(n, base + n * 10, out)
    for (const e of out) {
      rows.push([rows.length + 1, e.timeUs, e.side === 'broker' ? 0 : 1, e.direction === 'in' ? 0 : 1, e.connection,
        TYPE[e.type], e.topic, e.qos, 0, 0, e.packetId, e.reasonCode, null, e.payload, e.payload ? e.payload.length : 0, e.head])
    }
  }
  rows.length = packets
  const insertAll = db.transaction((from, to) => { for (let i = from; i < to; i++) insert.run(rows[i]) })
  const start = performance.now()
  for (let i = 0; i < rows.length; i += 5000) insertAll(i, Math.min(i + 5000, rows.length))
  const elapsed = (performance.now() - start) / 1000
  db.close()
  return { packets, perSecond: packets / elapsed }
}

function timeQuery (log, query, runs = 20) {
  const times = []
  let result
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    result = log.query(query)
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return { medianMs: times[Math.floor(runs / 2)], maxMs: times.at(-1), records: result.records.length }
}

function walk (log, query) {
  const start = performance.now()
  let pages = 0
  let records = 0
  let cursor
  do {
    const page = log.query({ ...query, cursor })
    pages++
    records += page.records.length
    cursor = page.next ?? undefined
  } while (cursor !== undefined && pages < 50)
  return { pages, records, ms: performance.now() - start }
}

const fileSize = (file) => ['', '-wal'].reduce((sum, s) => sum + (fs.statSync(file + s, { throwIfNoEntry: false })?.size ?? 0), 0)
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const num = (v) => Math.round(v).toLocaleString('en-US')

// ---- Run ----

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'traffic-bench-'))
const defaults = { order: 'desc', limit: 100, payloadBytes: 4096 }
try {
  console.log(`traffic log benchmark: ${os.cpus().length} cores, node ${process.version}, ${duration} s per ingest run, flushDelayMs ${logOptions.flushDelayMs ?? 'default'}, code ${code}`)

  const file = path.join(dir, 'workbench.db')
  const db = openWorkbenchDatabase(file)
  const log = new TrafficLog(db, { ...logOptions, onError: (e) => console.error(e.message) })
  const ours = await ingest(log, duration)
  const stats = log.stats()
  const ref = reference(path.join(dir, 'reference.db'), ours.packets)
  console.log('\ningest')
  console.log(`  ours       ${num(ours.perSecond).padStart(10)} packets/s  (${num(ours.packets)} packets, ${num(ours.messages)} messages)`)
  console.log(`  reference  ${num(ref.perSecond).padStart(10)} packets/s  (plain INSERT, 5,000 rows per transaction)`)
  console.log(`  ours/reference ${(ours.perSecond / ref.perSecond).toFixed(2)}`)
  console.log(`  event-loop lag while ingesting: max ${ours.maxMs.toFixed(1)} ms, p99 ${ours.p99Ms.toFixed(1)} ms`)
  console.log(`  database: ${mib(stats.bytes)} used, ${mib(fileSize(file))} on disk with WAL, ${num(stats.records)} records, ` +
    `${(stats.bytes / stats.records).toFixed(0)} B/record`)

  console.log('\nqueries on the filled log (median / max of 20, ms)')
  const queries = [
    ['newest page (100)', {}],
    ['newest page, payloads cut to 16 B', { payloadBytes: 16 }],
    ['topic site/line3/#', { topic: 'site/line3/#' }],
    ['topic site/+/sensor7/temp', { topic: 'site/+/sensor7/temp' }],
    ['topic site/line3/sensor7/temp (exact)', { topic: 'site/line3/sensor7/temp' }],
    ['topic nowhere/# (no match)', { topic: 'nowhere/#' }],
    ['connection gateway-3', { connections: ['gateway-3'] }],
    ['connections dashboard, probe', { connections: ['dashboard', 'probe'] }],
    ['types pingreq (rare)', { types: ['pingreq'] }],
    ['side client', { side: 'client' }],
    ['oldest page (asc)', { order: 'asc' }],
    ['rare connection late-joiner', { connections: ['late-joiner'] }],
    ['rare topic alarms/#', { topic: 'alarms/#' }],
    ['1 ms time window in the middle', { fromUs: stats.oldestUs + (stats.newestUs - stats.oldestUs) / 2, toUs: stats.oldestUs + (stats.newestUs - stats.oldestUs) / 2 + 1000 }]
  ]
  for (const [name, q] of queries) {
    const t = timeQuery(log, { ...defaults, ...q })
    console.log(`  ${name.padEnd(40)} ${t.medianMs.toFixed(2).padStart(8)} ${t.maxMs.toFixed(2).padStart(8)}   ${t.records} records`)
  }
  const w = walk(log, { ...defaults, limit: 1000, topic: 'site/line3/#' })
  console.log(`  walk 50 pages of 1000, topic site/line3/#: ${w.ms.toFixed(0)} ms for ${num(w.records)} records`)
  let s = performance.now()
  const fresh = new TrafficLog(db)
  const counted = fresh.stats().records
  console.log(`  stats() on a newly opened log (counts the records once): ${(performance.now() - s).toFixed(1)} ms for ${num(counted)}`)
  fresh.close()
  log.close()
  s = performance.now()
  db.close()
  console.log(`  close (checkpoint): ${(performance.now() - s).toFixed(0)} ms`)

  {
    const steadyFile = path.join(dir, 'steady.db')
    const sdb = openWorkbenchDatabase(steadyFile)
    const slog = new TrafficLog(sdb, logOptions)
    const r = await steady(slog, duration, 20000)
    console.log('\nsteady 20,000 packets/s offered (the target rate)')
    console.log(`  ours       ${num(r.perSecond).padStart(10)} packets/s, lag max ${r.maxMs.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ` +
      `process CPU ${r.cpuPct.toFixed(0)}% of one core (workload generator included)`)
    slog.close()
    sdb.close()
  }

  if (pruneBudget > 0) {
    const prunedFile = path.join(dir, 'pruned.db')
    const pdb = openWorkbenchDatabase(prunedFile)
    const plog = new TrafficLog(pdb, { ...logOptions, budgetBytes: pruneBudget })
    const p = await ingest(plog, duration)
    const ps = plog.stats()
    console.log(`\ningest with a ${mib(pruneBudget)} budget (pruning all along)`)
    console.log(`  ours       ${num(p.perSecond).padStart(10)} packets/s, lag max ${p.maxMs.toFixed(1)} ms, p99 ${p.p99Ms.toFixed(1)} ms`)
    console.log(`  database: ${mib(ps.bytes)} used of ${mib(ps.budgetBytes)}, ${mib(fileSize(prunedFile))} on disk with WAL, ` +
      `${num(ps.records)} kept, ${num(ps.pruned)} pruned`)
    plog.close()
    pdb.close()
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
