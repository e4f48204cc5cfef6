// Minimal raw-socket MQTT 3.1.1 client pieces for the load generator.
//
// The hot path never goes through mqtt.js or a full packet parser: packets we
// send are pre-encoded with mqtt-packet's `generate` (and patched in place
// where a sequence number or timestamp is needed), packets we receive are
// framed by a streaming fixed-header scanner that only looks at the type byte,
// the remaining-length varint and, when asked, the first few body bytes.

import net from 'node:net'
import mqttPacket from 'mqtt-packet'

export const generate = mqttPacket.generate

// Packet type nibbles (first byte >> 4).
export const CONNACK = 2
export const PUBLISH = 3
export const PUBACK = 4
export const PUBREC = 5
export const PUBREL = 6
export const PUBCOMP = 7
export const SUBACK = 9

const TYPE_NAMES = ['reserved', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP',
  'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH']
export const typeName = (t) => TYPE_NAMES[t] ?? String(t)

/**
 * Streaming MQTT framer. For every complete fixed header it calls
 *   onPacket(firstByte, remainingLength, buf, off, len)
 * where buf[off .. off+len) are the first `len = min(remainingLength, prefixMax)`
 * bytes of the variable header + payload (valid only during the call). The
 * rest of the body is skipped without copying. When the prefix straddles two
 * chunks it is copied into a small scratch buffer; otherwise it is a view into
 * the socket chunk.
 */
export class Scanner {
  constructor (onPacket, prefixMax = 0) {
    this.onPacket = onPacket
    this.prefixMax = prefixMax
    this.scratch = Buffer.alloc(Math.max(prefixMax, 1))
    this.state = 0 // 0 = fixed header, 1 = collecting prefix, 2 = skipping body
    this.hdrPos = 0
    this.first = 0
    this.rl = 0
    this.mul = 1
    this.need = 0
    this.have = 0
    this.skip = 0
  }

  /** Feeds chunk[0 .. n) (n defaults to the whole chunk). */
  push (chunk, n = chunk.length) {
    let i = 0
    while (i < n) {
      const state = this.state
      if (state === 0) {
        const b = chunk[i++]
        if (this.hdrPos === 0) {
          this.first = b
          this.rl = 0
          this.mul = 1
          this.hdrPos = 1
          continue
        }
        this.rl += (b & 0x7f) * this.mul
        if (b & 0x80) {
          this.mul *= 128
          if (++this.hdrPos > 4) throw new Error('malformed remaining length')
          continue
        }
        this.hdrPos = 0
        const rl = this.rl
        const need = rl < this.prefixMax ? rl : this.prefixMax
        if (need === 0) {
          this.onPacket(this.first, rl, chunk, i, 0)
          if (rl > 0) { this.skip = rl; this.state = 2 }
        } else if (n - i >= need) {
          this.onPacket(this.first, rl, chunk, i, need)
          this.skip = rl
          this.state = 2
        } else {
          this.need = need
          this.have = 0
          this.state = 1
        }
      } else if (state === 2) {
        const avail = n - i
        if (avail >= this.skip) {
          i += this.skip
          this.skip = 0
          this.state = 0
        } else {
          this.skip -= avail
          i = n
        }
      } else {
        let take = this.need - this.have
        if (take > n - i) take = n - i
        chunk.copy(this.scratch, this.have, i, i + take)
        this.have += take
        i += take
        if (this.have === this.need) {
          this.onPacket(this.first, this.rl, this.scratch, 0, this.need)
          this.skip = this.rl - this.need
          this.state = this.skip > 0 ? 2 : 0
        }
      }
    }
  }
}

/** Offset of the payload inside a PUBLISH body prefix (MQTT 3.1.1). */
export function publishPayloadOffset (firstByte, buf, off) {
  const topicLen = (buf[off] << 8) | buf[off + 1]
  return off + 2 + topicLen + (((firstByte >> 1) & 3) ? 2 : 0)
}

/** Packet id of a QoS>0 PUBLISH, from its body prefix. */
export function publishPacketId (buf, off) {
  const topicLen = (buf[off] << 8) | buf[off + 1]
  const p = off + 2 + topicLen
  return (buf[p] << 8) | buf[p + 1]
}

/** 4-byte ack packet (PUBACK/PUBREC/PUBREL/PUBCOMP) written into buf at pos. */
export function writeAck (buf, pos, type, pid) {
  buf[pos] = (type << 4) | (type === PUBREL ? 0x02 : 0)
  buf[pos + 1] = 2
  buf[pos + 2] = pid >> 8
  buf[pos + 3] = pid & 0xff
}

/**
 * Collects 4-byte acks and writes them with one write per event-loop turn
 * (setImmediate runs after all socket reads of the current poll phase), so
 * the number of write syscalls does not grow with the number of reads.
 */
export class AckBatcher {
  constructor (socket) {
    this.socket = socket
    this.buf = Buffer.allocUnsafe(16 * 1024)
    this.pos = 0
    this.scheduled = false
    this.flush = this.flush.bind(this)
  }

  add (type, pid) {
    if (this.pos + 4 > this.buf.length) this.flush()
    writeAck(this.buf, this.pos, type, pid)
    this.pos += 4
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flush)
    }
  }

  flush () {
    this.scheduled = false
    if (this.pos === 0 || this.socket.destroyed) { this.pos = 0; return }
    // The socket may hold on to the buffer until it is written, so hand it a copy.
    this.socket.write(Buffer.from(this.buf.subarray(0, this.pos)))
    this.pos = 0
  }
}

/** Wraps fn so that calling it many times in one event-loop turn runs it once, at the end of the turn. */
export function coalesce (fn) {
  let scheduled = false
  const run = () => { scheduled = false; fn() }
  return () => {
    if (!scheduled) {
      scheduled = true
      setImmediate(run)
    }
  }
}

/**
 * Opens a TCP connection, sends CONNECT and resolves once CONNACK (return code
 * 0) arrives. After that every packet goes to client.onPacket (settable).
 */
// All sockets read into this one buffer (net's `onread` mode): no per-read
// allocation and no stream 'data' machinery. Safe because every read is
// consumed synchronously by the scanner before the next one can happen.
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)

/**
 * Opens a TCP connection, sends CONNECT and resolves once CONNACK (return code
 * 0) arrives. After that every packet goes to client.onPacket (settable), and
 * client.onChunkEnd (settable) runs after each socket read.
 */
export function connect ({ port, host = '127.0.0.1', clientId, keepalive = 0, clean = true, prefixMax = 64, timeoutMs = 10000 }) {
  return new Promise((resolve, reject) => {
    let scanner = null
    const client = {
      socket: null,
      clientId,
      onPacket: null,
      onChunkEnd: null,
      onClose: null,
      closed: false,
      pending: new Map(), // packet type -> waiter, for control packets we await
      error: null
    }
    const socket = net.connect({
      port,
      host,
      onread: {
        buffer: READ_BUFFER,
        callback: (n, buf) => {
          try {
            scanner.push(buf, n)
            if (client.onChunkEnd !== null) client.onChunkEnd()
          } catch (err) {
            client.error = err
            socket.destroy(err)
          }
        }
      }
    })
    client.socket = socket
    socket.setNoDelay(true)
    let connected = false
    const timer = setTimeout(() => fail(new Error(`CONNACK timeout after ${timeoutMs} ms (${clientId})`)), timeoutMs)
    const fail = (err) => {
      clearTimeout(timer)
      socket.destroy()
      reject(err)
    }
    scanner = new Scanner((first, rl, buf, off, len) => {
      const type = first >> 4
      if (!connected) {
        if (type !== CONNACK) return fail(new Error(`expected CONNACK, got ${typeName(type)}`))
        const rc = len >= 2 ? buf[off + 1] : -1
        if (rc !== 0) return fail(new Error(`CONNACK return code ${rc} (${clientId})`))
        connected = true
        clearTimeout(timer)
        resolve(client)
        return
      }
      if (client.pending.size !== 0 && type !== PUBLISH) {
        const waiter = client.pending.get(type)
        if (waiter !== undefined) {
          client.pending.delete(type)
          clearTimeout(waiter.timer)
          waiter.resolve(Buffer.from(buf.subarray(off, off + len)))
          if (waiter.exclusive) return
        }
      }
      if (client.onPacket !== null) client.onPacket(first, rl, buf, off, len)
    }, prefixMax)
    socket.on('error', (err) => {
      client.error ??= err
      if (!connected) fail(err)
    })
    socket.on('close', () => {
      client.closed = true
      if (!connected) fail(client.error ?? new Error(`connection closed before CONNACK (${clientId})`))
      for (const [, w] of client.pending) {
        clearTimeout(w.timer)
        w.reject(new Error(`connection closed while waiting (${clientId})${client.error ? ': ' + client.error.message : ''}`))
      }
      client.pending.clear()
      if (client.onClose) client.onClose()
    })
    socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean, clientId, keepalive }))
  })
}

/** Waits for the next control packet of the given type on a client. */
export function waitFor (client, type, timeoutMs = 10000, exclusive = true) {
  return new Promise((resolve, reject) => {
    if (client.closed) return reject(new Error(`connection closed (${client.clientId})`))
    const timer = setTimeout(() => {
      client.pending.delete(type)
      reject(new Error(`timeout waiting for ${typeName(type)} (${client.clientId})`))
    }, timeoutMs)
    client.pending.set(type, { resolve, reject, timer, exclusive })
  })
}

/** SUBSCRIBE and wait for a successful SUBACK. */
export async function subscribe (client, topic, qos, timeoutMs = 10000) {
  const ack = waitFor(client, SUBACK, timeoutMs)
  client.socket.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] }))
  const body = await ack
  const granted = body[2]
  if (granted === 0x80 || granted === undefined) throw new Error(`SUBACK refused ${topic} (${client.clientId})`)
  if (granted !== qos) throw new Error(`SUBACK granted QoS ${granted} instead of ${qos} for ${topic}`)
}

/** Resolves when the socket can take more data (immediately if it already can). */
export function drained (socket) {
  if (!socket.writableNeedDrain) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => { socket.off('drain', done); socket.off('close', done); resolve() }
    socket.on('drain', done)
    socket.on('close', done)
  })
}

export function closeAll (clients) {
  for (const c of clients) {
    if (c && !c.closed) c.socket.destroy()
  }
}
