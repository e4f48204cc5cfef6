#!/usr/bin/env node
// Load generator: runs ONE scenario against ONE broker and prints one JSON
// object on stdout. Diagnostics go to stderr. Started by bench/run.js (pinned
// to its own core), but can be run by hand:
//
//   node bench/load/loadgen.js --scenario fan-in --port 1883 [--broker-pid PID]
//
// Every rate is measured on the receiving side, inside a measurement window
// that starts after a warm-up. Publishers are closed-loop: QoS 0 publishers
// may only run a bounded number of messages ahead of what their subscribers
// have actually received (tracked by a sequence number in the payload), QoS
// 1/2 publishers additionally wait for the broker's acks. So a publisher can
// never "win" by filling buffers faster than the broker delivers.

import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  connect, subscribe, waitFor, drained, closeAll, generate, AckBatcher, coalesce,
  publishPayloadOffset, publishPacketId,
  PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP
} from './mqtt-raw.js'
import { Window, procRssKb } from './procstat.js'

const { values: opt } = parseArgs({
  options: {
    scenario: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    'broker-pid': { type: 'string', default: '0' },
    'clk-tck': { type: 'string', default: '100' },
    warmup: { type: 'string', default: '1' },
    duration: { type: 'string', default: '5' },
    // scenario knobs (defaults are the documented scenario definitions)
    publishers: { type: 'string', default: '10' },
    subscribers: { type: 'string', default: '100' },
    window: { type: 'string' },
    rate: { type: 'string', default: '5000' },
    steps: { type: 'string', default: '5000,10000' },
    count: { type: 'string', default: '100000' },
    'payload-size': { type: 'string' },
    // latency: publish retained (each message replaces the retained message of its topic)
    retain: { type: 'boolean', default: false }
  }
})

const HOST = opt.host
const PORT = Number(opt.port)
const BROKER_PID = Number(opt['broker-pid']) || 0
const CLK_TCK = Number(opt['clk-tck']) || 100
const WARMUP_MS = Number(opt.warmup) * 1000
const DURATION_MS = Number(opt.duration) * 1000

const clients = []
async function open (clientId, prefixMax = 64, keepalive = 0) {
  const c = await connect({ port: PORT, host: HOST, clientId, prefixMax, keepalive })
  clients.push(c)
  c.onClose = () => {
    if (running && !c.expectedClose) fatal(new Error(`broker closed connection ${clientId}${c.error ? ': ' + c.error.message : ''}`))
  }
  return c
}

let running = true
function fatal (err) {
  running = false
  emit({ ok: false, error: err.message })
  closeAll(clients)
  process.exit(1)
}

let emitted = false
function emit (obj) {
  if (emitted) return
  emitted = true
  process.stdout.write(JSON.stringify({ scenario: opt.scenario, ...obj }) + '\n')
}

/** A result row: one metric of one scenario, with the window it was measured in. */
function row (id, label, unit, better, value, win, info = {}) {
  return {
    id,
    label,
    unit,
    better,
    value,
    loadCpuPct: win?.loadCpuPct ?? null,
    brokerCpuPct: win?.brokerCpuPct ?? null,
    brokerRssKb: win?.brokerRssKb ?? null,
    otherCpuPct: win?.otherCpuPct ?? null,
    irqPct: win?.irqPct ?? null,
    stealPct: win?.stealPct ?? null,
    seconds: win?.seconds ?? null,
    info
  }
}

/** Warm up, then measure `counter()` over the measurement window. */
async function measure (counter) {
  await sleep(WARMUP_MS)
  const win = new Window(BROKER_PID, CLK_TCK)
  const c0 = counter()
  win.start()
  await sleep(DURATION_MS)
  const c1 = counter()
  const w = win.stop()
  return { count: c1 - c0, rate: (c1 - c0) / w.seconds, win: w }
}

// ---------------------------------------------------------------------------
// Payload layout (little endian): [0..3] publisher index, [4..7] sequence
// number, [8..15] send time (process.hrtime.bigint, ns), rest zero.
const IDX = 0
const SEQ = 4
const TS = 8

function makePayload (size, pubIndex) {
  const p = Buffer.alloc(size)
  p.writeUInt32LE(pubIndex, IDX)
  return p
}

/**
 * A publisher of fixed-size messages on one topic. Messages are produced in
 * batches copied from a pre-encoded template; only the sequence number (and
 * for QoS>0 the packet id, for latency the timestamp) is patched per message.
 */
class Publisher {
  constructor (client, { topic, qos = 0, retain = false, payloadSize = 64, index = 0, batch = 100 }) {
    this.client = client
    this.socket = client.socket
    this.qos = qos
    this.index = index
    this.seq = 0
    const payload = makePayload(payloadSize, index)
    const one = generate({ cmd: 'publish', topic, payload, qos, retain, messageId: qos ? 1 : undefined })
    this.len = one.length
    this.payloadPos = one.length - payloadSize
    this.batch = batch
    this.template = Buffer.allocUnsafe(this.len * batch)
    for (let i = 0; i < batch; i++) one.copy(this.template, i * this.len)
  }

  /** Writes n (<= batch) messages; returns socket.write()'s answer. */
  send (n, stamp = false) {
    const L = this.len
    const buf = Buffer.allocUnsafe(L * n)
    this.template.copy(buf, 0, 0, L * n)
    const ts = stamp ? process.hrtime.bigint() : 0n
    for (let i = 0, p = this.payloadPos; i < n; i++, p += L) {
      const seq = this.seq++
      buf.writeUInt32LE(seq >>> 0, p + SEQ)
      if (stamp) buf.writeBigUInt64LE(ts, p + TS)
      if (this.qos) {
        const pid = (seq % 65535) + 1
        buf[p - 2] = pid >> 8
        buf[p - 1] = pid & 0xff
      }
    }
    return this.socket.write(buf)
  }
}

/** Per-sender receive bookkeeping: highest sequence seen (+1) and count. */
function recvState () {
  // next: flow-control mark (may be advanced past lost messages), max: highest seen + 1
  return { next: 0, max: 0, recv: 0, dupOrOld: 0, resets: 0, lastCheckNext: -1 }
}
function noteSeq (st, seq) {
  st.recv++
  if (seq >= st.max) st.max = seq + 1
  else st.dupOrOld++
  if (seq >= st.next) st.next = seq + 1
}
/** Messages missing below the highest sequence number seen (drops, or reordering). */
const gapsOf = (states) => states.reduce((a, s) => a + Math.max(0, s.max - s.recv), 0)

// ---------------------------------------------------------------------------
// 1. fan-in: N publishers -> 1 subscriber (bench/#), QoS 0
async function fanIn () {
  const nPub = Number(opt.publishers)
  const W = Number(opt.window ?? 200) // messages each publisher may be ahead of the subscriber
  const size = Number(opt['payload-size'] ?? 64)
  const sub = await open('bench-fi-sub')
  await subscribe(sub, 'bench/#', 0)
  const states = Array.from({ length: nPub }, recvState)
  let received = 0
  sub.onPacket = (first, rl, buf, off, len) => {
    if ((first >> 4) !== PUBLISH) return
    received++
    const p = publishPayloadOffset(first, buf, off)
    if (p + 8 <= off + len) {
      const st = states[buf.readUInt32LE(p + IDX)]
      if (st) noteSeq(st, buf.readUInt32LE(p + SEQ))
    }
  }
  const pubs = []
  for (let i = 0; i < nPub; i++) {
    const c = await open(`bench-fi-pub-${i}`)
    pubs.push(new Publisher(c, { topic: `bench/${i}`, payloadSize: size, index: i }))
  }
  const pump = (pub) => {
    const st = states[pub.index]
    while (running && !pub.socket.writableNeedDrain) {
      const room = W - (pub.seq - st.next)
      if (room <= 0) return
      pub.send(Math.min(room, pub.batch))
    }
  }
  for (const pub of pubs) pub.socket.on('drain', () => pump(pub))
  sub.onChunkEnd = coalesce(() => { for (const pub of pubs) pump(pub) })
  // QoS 0 may be dropped by a broker (e.g. queue limits): if a full window
  // makes no progress for 250-500 ms, declare its messages lost and move on.
  const stall = setInterval(() => {
    for (const pub of pubs) {
      const st = states[pub.index]
      if (pub.seq - st.next >= W && st.next === st.lastCheckNext) { st.next = pub.seq; st.resets++; pump(pub) }
      st.lastCheckNext = st.next
    }
  }, 250)
  for (const pub of pubs) pump(pub)
  const m = await measure(() => received)
  running = false
  clearInterval(stall)
  return [row('fan-in', `fan-in QoS0 ${nPub}->1 (${size} B)`, 'msg/s', 'higher', m.rate, m.win,
    { received: m.count, windowPerPublisher: W, gapsOrDrops: gapsOf(states), stallResets: states.reduce((a, s) => a + s.resets, 0) })]
}

// ---------------------------------------------------------------------------
// 2. fan-out: 1 publisher -> N subscribers on one topic, QoS 0
async function fanOut () {
  const nSub = Number(opt.subscribers)
  const W = Number(opt.window ?? 200) // messages the publisher may be ahead of the slowest subscriber
  const size = Number(opt['payload-size'] ?? 64)
  const topic = 'bench/fanout'
  let received = 0
  const states = []
  const subs = await Promise.all(Array.from({ length: nSub }, async (_, i) => {
    const c = await open(`bench-fo-sub-${i}`)
    await subscribe(c, topic, 0)
    return c
  }))
  const pub = new Publisher(await open('bench-fo-pub'), { topic, payloadSize: size })
  const minNext = () => {
    let m = Infinity
    for (let i = 0; i < states.length; i++) if (states[i].next < m) m = states[i].next
    return m
  }
  const pump = () => {
    while (running && !pub.socket.writableNeedDrain) {
      const room = W - (pub.seq - minNext())
      if (room <= 0) return
      pub.send(Math.min(room, pub.batch))
    }
  }
  const schedulePump = coalesce(pump)
  for (const c of subs) {
    const st = recvState()
    states.push(st)
    c.onPacket = (first, rl, buf, off, len) => {
      if ((first >> 4) !== PUBLISH) return
      received++
      const p = publishPayloadOffset(first, buf, off)
      if (p + 8 <= off + len) noteSeq(st, buf.readUInt32LE(p + SEQ))
    }
    c.onChunkEnd = schedulePump
  }
  pub.socket.on('drain', pump)
  let lastMin = -1
  let resets = 0
  const stall = setInterval(() => {
    const m = minNext()
    if (pub.seq - m >= W && m === lastMin) {
      for (const st of states) if (st.next < pub.seq) { st.next = pub.seq; st.resets++ }
      resets++
      pump()
    }
    lastMin = minNext()
  }, 250)
  pump()
  const m = await measure(() => received)
  running = false
  clearInterval(stall)
  return [row('fan-out', `fan-out QoS0 1->${nSub} (${size} B)`, 'deliveries/s', 'higher', m.rate, m.win,
    { received: m.count, window: W, gapsOrDrops: gapsOf(states), stallResets: resets })]
}

// ---------------------------------------------------------------------------
// 3./4. QoS 1 / QoS 2 round trip: 1 publisher (W in flight) -> 1 subscriber
async function qosRoundTrip (qos) {
  const W = Number(opt.window ?? 100)
  const size = Number(opt['payload-size'] ?? 64)
  const topic = `bench/qos${qos}`
  const sub = await open(`bench-q${qos}-sub`)
  await subscribe(sub, topic, qos)
  const subAcks = new AckBatcher(sub.socket)
  const st = recvState()
  let received = 0
  sub.onPacket = (first, rl, buf, off, len) => {
    const type = first >> 4
    if (type === PUBLISH) {
      received++
      const p = publishPayloadOffset(first, buf, off)
      if (p + 8 <= off + len) noteSeq(st, buf.readUInt32LE(p + SEQ))
      subAcks.add(qos === 1 ? PUBACK : PUBREC, publishPacketId(buf, off))
    } else if (type === PUBREL) {
      subAcks.add(PUBCOMP, (buf[off] << 8) | buf[off + 1])
    }
  }
  const pubClient = await open(`bench-q${qos}-pub`)
  const pub = new Publisher(pubClient, { topic, qos, payloadSize: size })
  const pubAcks = new AckBatcher(pub.socket)
  let inflight = 0
  let protocolErrors = 0
  const pump = () => {
    while (running && !pub.socket.writableNeedDrain) {
      // in flight = not yet completed with the broker, and never more than W
      // ahead of what the subscriber has received (end-to-end bound).
      const room = Math.min(W - inflight, W - (pub.seq - st.next), pub.batch)
      if (room <= 0) return
      inflight += room
      pub.send(room)
    }
  }
  pubClient.onPacket = (first, rl, buf, off, len) => {
    const type = first >> 4
    if (qos === 1 && type === PUBACK) inflight--
    else if (qos === 2 && type === PUBREC) pubAcks.add(PUBREL, (buf[off] << 8) | buf[off + 1])
    else if (qos === 2 && type === PUBCOMP) inflight--
    else protocolErrors++
  }
  pubClient.onChunkEnd = sub.onChunkEnd = coalesce(pump)
  pub.socket.on('drain', pump)
  pump()
  const m = await measure(() => received)
  running = false
  return [row(`qos${qos}`, `QoS${qos} round trip 1->1, ${W} in flight`, 'msg/s', 'higher', m.rate, m.win,
    { received: m.count, window: W, duplicatesOrOld: st.dupOrOld, gaps: gapsOf([st]), unexpectedPackets: protocolErrors })]
}

// ---------------------------------------------------------------------------
// 5. latency at a fixed rate, QoS 0
async function latency () {
  const rate = Number(opt.rate)
  const size = Number(opt['payload-size'] ?? 64)
  const topic = 'bench/latency'
  const sub = await open('bench-lat-sub')
  await subscribe(sub, topic, 0)
  const samples = new Float64Array(Math.ceil(rate * (DURATION_MS / 1000) * 1.5) + 1000)
  let n = 0
  let recording = false
  let received = 0
  sub.onPacket = (first, rl, buf, off, len) => {
    if ((first >> 4) !== PUBLISH) return
    received++
    if (!recording) return
    const p = publishPayloadOffset(first, buf, off)
    if (p + 16 <= off + len && n < samples.length) {
      samples[n++] = Number(process.hrtime.bigint() - buf.readBigUInt64LE(p + TS)) / 1e6
    }
  }
  const pub = new Publisher(await open('bench-lat-pub'), { topic, payloadSize: size, batch: 64, retain: opt.retain })
  const t0 = process.hrtime.bigint()
  let sent = 0
  let behind = 0
  const tick = setInterval(() => {
    if (!running) return
    const due = Math.floor(Number(process.hrtime.bigint() - t0) / 1e9 * rate)
    let k = due - sent
    if (k > 64) { behind++; k = 64 } // never burst more than one batch (load generator fell behind)
    if (k > 0) { pub.send(k, true); sent += k }
  }, 1)
  await sleep(WARMUP_MS)
  const win = new Window(BROKER_PID, CLK_TCK)
  const r0 = received
  recording = true
  win.start()
  await sleep(DURATION_MS)
  recording = false
  const w = win.stop()
  const r1 = received
  running = false
  clearInterval(tick)
  const s = samples.subarray(0, n).sort()
  const q = (x) => (n ? s[Math.min(n - 1, Math.floor(x * n))] : null)
  const mean = n ? s.reduce((a, b) => a + b, 0) / n : null
  const info = { samples: n, achievedRate: (r1 - r0) / w.seconds, targetRate: rate, p90: q(0.9), p999: q(0.999), max: n ? s[n - 1] : null, mean, tickOverruns: behind }
  return [
    row('latency-p50', `latency p50 @ ${rate} msg/s QoS0`, 'ms', 'lower', q(0.5), w, info),
    row('latency-p99', `latency p99 @ ${rate} msg/s QoS0`, 'ms', 'lower', q(0.99), w, info)
  ]
}

// ---------------------------------------------------------------------------
// 6. idle connections
async function idle () {
  const steps = opt.steps.split(',').map(Number)
  const concurrency = 200
  // Warm-up, the same for every broker: the first connections also pay one-time costs (JIT-compiled
  // code, lazily loaded modules, heap growth) that are not per connection.
  const warm = []
  for (let i = 0; i < 2000; i += 50) {
    warm.push(...await Promise.all(Array.from({ length: 50 }, (_, j) => open(`bench-warm-${i + j}`, 4, 0))))
  }
  for (const c of warm) {
    c.expectedClose = true
    c.socket.destroy()
  }
  await sleep(1500)
  const rss0 = BROKER_PID ? procRssKb(BROKER_PID) : null
  const rows = []
  let open_ = 0
  let error = null
  for (const target of steps) {
    const win = new Window(BROKER_PID, CLK_TCK)
    win.start()
    const startCount = open_
    let next = open_
    const worker = async () => {
      while (next < target && error === null) {
        const i = next++
        try {
          await open(`bench-idle-${i}`, 4, 0)
          open_++
        } catch (err) {
          error ??= err
        }
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    const w = win.stop()
    const made = open_ - startCount
    const label = `${target} idle conns`
    if (error) {
      rows.push(row(`idle-${target}-rate`, `${label}: connects/s`, 'conn/s', 'higher', null, w,
        { error: `${error.message} after ${open_} connections` }))
      break
    }
    await sleep(1500) // let the broker settle (GC, lazy allocations)
    const rss = BROKER_PID ? procRssKb(BROKER_PID) : null
    rows.push(row(`idle-${target}-rate`, `${label}: connects/s`, 'conn/s', 'higher', made / w.seconds, w, { opened: made, total: open_ }))
    rows.push(row(`idle-${target}-kb`, `${label}: broker RSS/conn`, 'KB/conn', 'lower',
      rss !== null && rss0 !== null ? (rss - rss0) / open_ : null, { ...w, brokerRssKb: { start: rss0, end: rss, peak: rss } },
      { rssBeforeKb: rss0, rssAfterKb: rss, connections: open_ }))
  }
  return rows
}

// ---------------------------------------------------------------------------
// 7. retained: store N retained messages, then one new '#' subscriber gets them all
function encodeRetainedInto (buf, pos, topic, payload) {
  const tl = Buffer.byteLength(topic)
  let rl = 2 + tl + payload.length
  buf[pos++] = 0x31 // PUBLISH, QoS 0, retain
  do {
    let b = rl & 0x7f
    rl >>>= 7
    if (rl > 0) b |= 0x80
    buf[pos++] = b
  } while (rl > 0)
  buf[pos++] = tl >> 8
  buf[pos++] = tl & 0xff
  pos += buf.write(topic, pos, 'latin1')
  pos += payload.copy(buf, pos)
  return pos
}

async function retained () {
  const N = Number(opt.count)
  const size = Number(opt['payload-size'] ?? 64)
  const timeoutMs = 120000
  const payload = makePayload(size, 0)
  // Pre-encode everything before any clock starts.
  const batches = []
  const per = 1000
  for (let i = 0; i < N; i += per) {
    const k = Math.min(per, N - i)
    const buf = Buffer.allocUnsafe(k * (size + 16))
    let pos = 0
    for (let j = 0; j < k; j++) {
      payload.writeUInt32LE(i + j, SEQ)
      pos = encodeRetainedInto(buf, pos, `r/${i + j}`, payload)
    }
    batches.push(buf.subarray(0, pos))
  }
  const pub = await open('bench-ret-pub', 16)
  const winStore = new Window(BROKER_PID, CLK_TCK)
  winStore.start()
  for (const b of batches) {
    if (!pub.socket.write(b)) await drained(pub.socket)
    if (pub.closed) throw new Error('publisher connection closed during store')
  }
  // Sync point: the broker handles a connection's packets in order, so the
  // PUBACK of a QoS 1 publish sent after the last retained message means it
  // has processed all of them.
  const ack = waitFor(pub, PUBACK, timeoutMs)
  pub.socket.write(generate({ cmd: 'publish', topic: 'bench/sync', payload: Buffer.from('sync'), qos: 1, messageId: 1 }))
  await ack
  const ws = winStore.stop()
  // Belt and braces: the last topic must now be retained.
  const check = await open('bench-ret-check', 16)
  let gotLast = false
  const lastSeen = new Promise((resolve) => {
    check.onPacket = (first) => { if ((first >> 4) === PUBLISH && (first & 1)) { gotLast = true; resolve() } }
  })
  await subscribe(check, `r/${N - 1}`, 0)
  await Promise.race([lastSeen, sleep(10000)])
  if (!gotLast) throw new Error(`retained message r/${N - 1} not found after the store phase`)

  // Delivery phase.
  const sub = await open('bench-ret-sub', 8)
  let got = 0
  let other = 0
  let lastArrival = process.hrtime.bigint()
  let tEnd = null
  let resolveDone
  const done = new Promise((resolve) => { resolveDone = resolve })
  sub.onPacket = (first) => {
    if ((first >> 4) !== PUBLISH) return
    if (first & 1) {
      if (++got === N) { tEnd = process.hrtime.bigint(); resolveDone() }
    } else other++
    lastArrival = process.hrtime.bigint()
  }
  const winDel = new Window(BROKER_PID, CLK_TCK)
  winDel.start()
  const t0 = process.hrtime.bigint()
  const suback = waitFor(sub, 9, timeoutMs, false)
  sub.socket.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }] }))
  let reason = null
  await Promise.race([
    done,
    suback.then(async () => { // stop early if the stream dries up before N
      while (got < N) {
        await sleep(250)
        if (Number(process.hrtime.bigint() - lastArrival) / 1e6 > 5000) { reason = `stream stopped after ${got}/${N} retained messages`; break }
        if (Number(process.hrtime.bigint() - t0) / 1e6 > timeoutMs) { reason = `timeout after ${got}/${N}`; break }
      }
    })
  ])
  const wd = winDel.stop()
  const deliverySec = tEnd !== null ? Number(tEnd - t0) / 1e9 : null
  const storeRate = N / ws.seconds
  const info = { retained: N, received: got, nonRetainedReceived: other, error: reason }
  return [
    row('retained-store', `retained: store ${N} (QoS0, distinct topics)`, 'msg/s', 'higher', storeRate, ws, { seconds: ws.seconds }),
    row('retained-deliver', `retained: deliver ${N} to new '#' sub`, 'msg/s', 'higher', deliverySec ? N / deliverySec : null, wd, info),
    row('retained-deliver-time', 'retained: delivery time', 's', 'lower', deliverySec, wd, info)
  ]
}

// ---------------------------------------------------------------------------
// 8. large payloads (1 MiB), QoS 0, small end-to-end window
async function large () {
  const size = Number(opt['payload-size'] ?? 1024 * 1024)
  const W = Number(opt.window ?? 4)
  const topic = 'bench/large'
  const sub = await open('bench-big-sub')
  await subscribe(sub, topic, 0)
  const st = recvState()
  let received = 0
  sub.onPacket = (first, rl, buf, off, len) => {
    if ((first >> 4) !== PUBLISH) return
    received++
    const p = publishPayloadOffset(first, buf, off)
    if (p + 8 <= off + len) noteSeq(st, buf.readUInt32LE(p + SEQ))
  }
  const pubClient = await open('bench-big-pub')
  const one = generate({ cmd: 'publish', topic, payload: makePayload(size, 0), qos: 0, retain: false })
  const headLen = one.length - size + 16
  const headTemplate = one.subarray(0, headLen)
  const tail = one.subarray(headLen) // shared, never modified
  let seq = 0
  const sock = pubClient.socket
  const pump = () => {
    while (running && !sock.writableNeedDrain && seq - st.next < W) {
      const head = Buffer.from(headTemplate)
      head.writeUInt32LE(seq++, headLen - 16 + SEQ)
      sock.cork()
      sock.write(head)
      sock.write(tail)
      sock.uncork()
    }
  }
  sub.onChunkEnd = coalesce(pump)
  sock.on('drain', pump)
  let lastNext = -1
  let resets = 0
  const stall = setInterval(() => {
    if (seq - st.next >= W && st.next === lastNext) { st.next = seq; resets++; pump() }
    lastNext = st.next
  }, 500)
  pump()
  const m = await measure(() => received)
  running = false
  clearInterval(stall)
  const mib = size / (1024 * 1024)
  const info = { received: m.count, window: W, payloadBytes: size, gapsOrDrops: gapsOf([st]), stallResets: resets }
  return [
    row('large-msgs', `${mib} MiB payload QoS0 1->1: msg/s`, 'msg/s', 'higher', m.rate, m.win, info),
    row('large-mib', `${mib} MiB payload QoS0 1->1: MiB/s`, 'MiB/s', 'higher', m.rate * mib, m.win, info)
  ]
}

const SCENARIOS = {
  'fan-in': fanIn,
  'fan-out': fanOut,
  qos1: () => qosRoundTrip(1),
  qos2: () => qosRoundTrip(2),
  latency,
  idle,
  retained,
  large
}

async function main () {
  const fn = SCENARIOS[opt.scenario]
  if (!fn) throw new Error(`unknown scenario ${opt.scenario}; known: ${Object.keys(SCENARIOS).join(', ')}`)
  if (!PORT) throw new Error('--port is required')
  const rows = await fn()
  running = false
  for (const c of clients) c.expectedClose = true
  emit({ ok: true, rows })
  closeAll(clients)
  process.exit(0)
}

main().catch(fatal)
