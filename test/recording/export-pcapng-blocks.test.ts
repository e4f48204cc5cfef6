// The export writers without tshark: the pcapng layout, TCP sequence arithmetic, checksums, skipping, and
// how both writers behave on a slow or failing stream. Records are made the way the tap makes them
// (mqtt-packet's bytes, cut by packetHead).
import { generate, type Packet } from 'mqtt-packet';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import { writeJsonLines } from '../../main/recording/export-jsonl.js';
import { writePcapng } from '../../main/recording/export-pcapng.js';
import { checksum } from '../../main/recording/pcapng-tcp.js';
import { packetHead } from '../../main/tap/packet-head.js';
import { withTimeout } from '../helpers/broker.js';

const T0 = 1_700_000_000_123_456;
let nextId = 1;

function record(packet: Packet, side: 'broker' | 'client', direction: 'in' | 'out', connection: string, keep = Infinity): TrafficRecord {
  const bytes = generate(packet, { protocolVersion: 4 });
  const payload = packet.cmd === 'publish' ? Buffer.from(packet.payload) : null;
  const id = nextId++;
  return {
    id, timeUs: T0 + id * 1000, side, direction, connection, type: packet.cmd as TrafficRecord['type'],
    topic: packet.cmd === 'publish' ? packet.topic : null, qos: packet.cmd === 'publish' ? packet.qos : null,
    retain: false, dup: false, packetId: null, reasonCode: null, fields: {},
    payload: payload ? payload.subarray(0, keep).toString('base64') : null, payloadSize: payload?.length ?? 0,
    head: packetHead(packet, bytes).toString('base64'), willOf: null,
  };
}

const connect = (clientId: string, password?: string): Packet =>
  ({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId, ...(password ? { username: 'u', password: Buffer.from(password) } : {}) });
const connack: Packet = { cmd: 'connack', returnCode: 0, sessionPresent: false };
const publish = (topic: string, payload: Buffer, messageId = 1): Packet => ({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false, messageId });
const puback: Packet = { cmd: 'puback', messageId: 1 };

async function pcapng(records: TrafficRecord[], side?: 'broker' | 'client') {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await writePcapng(records, out, side ? { side } : {});
  return { result, file: Buffer.concat(chunks) };
}

interface Block { type: number; body: Buffer }
/** Walks the blocks; checks each one's two length fields agree and are a multiple of 4. */
function blocks(file: Buffer): Block[] {
  const out: Block[] = [];
  for (let at = 0; at < file.length;) {
    const length = file.readUInt32LE(at + 4);
    expect(length % 4).toBe(0);
    expect(file.readUInt32LE(at + length - 4)).toBe(length);
    out.push({ type: file.readUInt32LE(at), body: file.subarray(at + 8, at + length - 4) });
    at += length;
  }
  return out;
}

/** A frame: its time, the bytes captured (an IPv4 packet, maybe without its tail), its length on the wire. */
interface Frame { timeUs: number; ip: Buffer; length: number; comment: string }
function frames(file: Buffer): Frame[] {
  return blocks(file).filter((b) => b.type === 6).map(({ body }) => {
    const capturedLength = body.readUInt32LE(12);
    const captured = body.subarray(20, 20 + capturedLength);
    const opt = 20 + Math.ceil(capturedLength / 4) * 4;
    const comment = body.readUInt16LE(opt) === 1 ? body.toString('utf8', opt + 4, opt + 4 + body.readUInt16LE(opt + 2)) : '';
    return { timeUs: body.readUInt32LE(4) * 2 ** 32 + body.readUInt32LE(8), ip: captured, length: body.readUInt32LE(16), comment };
  });
}

/** The TCP view of a frame: ports, seq/ack, flags, the payload length it claims on the wire. */
function tcp(frame: Frame) {
  const ip = frame.ip;
  const tcpAt = (ip[0]! & 0x0f) * 4;
  const dataAt = tcpAt + (ip[tcpAt + 12]! >> 4) * 4;
  return {
    srcPort: ip.readUInt16BE(tcpAt), dstPort: ip.readUInt16BE(tcpAt + 2),
    seq: ip.readUInt32BE(tcpAt + 4), ack: ip.readUInt32BE(tcpAt + 8), flags: ip[tcpAt + 13]!,
    ipLength: ip.readUInt16BE(2), payloadLength: ip.readUInt16BE(2) - dataAt, data: ip.subarray(dataAt),
  };
}

describe('pcapng layout', () => {
  it('section header, one raw-IPv4 interface with microseconds, then one frame per packet with its record\'s time', async () => {
    const records = [record(connect('a'), 'broker', 'in', 'a'), record(connack, 'broker', 'out', 'a')];
    const { file, result } = await pcapng(records);
    expect(result).toEqual({ packets: 2, skipped: 0 });
    const [shb, idb, ...rest] = blocks(file);
    expect(shb!.type).toBe(0x0a0d0d0a);
    expect(shb!.body.readUInt32LE(0)).toBe(0x1a2b3c4d);
    expect([shb!.body.readUInt16LE(4), shb!.body.readUInt16LE(6)]).toEqual([1, 0]);
    expect(idb!.type).toBe(1);
    expect(idb!.body.readUInt16LE(0)).toBe(101); // LINKTYPE_RAW
    expect(idb!.body.includes(Buffer.from([9, 0, 1, 0, 6]))).toBe(true); // if_tsresol = 6
    expect(rest.map((b) => b.type)).toEqual([6, 6, 6, 6, 6]); // SYN, SYN-ACK, ACK, CONNECT, CONNACK
    const f = frames(file);
    expect(f.map((x) => x.timeUs)).toEqual([records[0]!.timeUs, records[0]!.timeUs, records[0]!.timeUs, records[0]!.timeUs, records[1]!.timeUs]);
    expect(f.map((x) => tcp(x).flags)).toEqual([0x02, 0x12, 0x10, 0x18, 0x18]);
    expect(f[3]!.comment).toBe(`record ${records[0]!.id}: broker in connect, a`);
    // The CONNECT's bytes are the record's head as it is.
    expect(tcp(f[3]!).data.equals(Buffer.from(records[0]!.head!, 'base64'))).toBe(true);
  });

  it('sequence numbers advance by each packet\'s whole length each way, acks follow the other side', async () => {
    const big = Buffer.alloc(200_000, 0xab); // four segments: one IPv4 packet holds at most 65,495 bytes of TCP payload
    const records = [
      record(connect('a', 'secret'), 'broker', 'in', 'a'), // the password is not in the head: 8 bytes not captured
      record(connack, 'broker', 'out', 'a'),
      record(publish('t/big', big), 'broker', 'in', 'a', 10), // payload cut to 10 bytes
      record(puback, 'broker', 'out', 'a'),
      record(publish('t/x', Buffer.from('x')), 'broker', 'in', 'a'),
    ];
    const f = frames((await pcapng(records)).file).slice(3);
    const segs = f.map(tcp);
    expect(segs).toHaveLength(1 + 1 + 4 + 1 + 1);
    const wire = (r: TrafficRecord) => Buffer.from(r.head!, 'base64').length + r.payloadSize;
    expect(segs[0]!.payloadLength).toBe(wire(records[0]!) + 8);
    expect(segs.slice(2, 6).map((s) => s.payloadLength).reduce((a, b) => a + b)).toBe(wire(records[2]!));
    for (const s of segs) expect(s.ipLength).toBeLessThanOrEqual(0xffff);
    const fromClient = segs.filter((s) => s.dstPort === 1883);
    const fromBroker = segs.filter((s) => s.srcPort === 1883);
    for (const side of [fromClient, fromBroker]) {
      for (let i = 1; i < side.length; i++) expect(side[i]!.seq).toBe((side[i - 1]!.seq + side[i - 1]!.payloadLength) >>> 0);
    }
    // The broker's PUBACK acknowledges everything the client sent before it, the cut tail included.
    const pubackSeg = segs[6]!;
    expect(pubackSeg.ack).toBe((segs[5]!.seq + segs[5]!.payloadLength) >>> 0);
    // Captured < on the wire where the tail was not kept; whole frames elsewhere.
    expect(f.map((x) => x.ip.length < x.length)).toEqual([true, false, true, true, true, true, false, false]);
    expect(f[2]!.comment).toMatch(/\(\d+ of 200\d+ bytes kept\)$/);
  });

  it('a stream per connection and per reconnect, each with its own port', async () => {
    const records = [
      record(connect('a'), 'broker', 'in', 'a'), record(connect('b'), 'broker', 'in', 'b'),
      record(connack, 'broker', 'out', 'a'), record(connect('a'), 'broker', 'in', 'a'),
    ];
    const f = frames((await pcapng(records)).file);
    const syns = f.map(tcp).filter((s) => s.flags === 0x02).map((s) => s.srcPort);
    expect(syns).toEqual([49152, 49153, 49154]);
    expect(tcp(f[f.length - 1]!).srcPort).toBe(49154);
  });

  it('IPv4 and TCP checksums sum to zero with the pseudo-header', async () => {
    const f = frames((await pcapng([record(connect('a'), 'broker', 'in', 'a'), record(publish('t', Buffer.from('odd')), 'broker', 'in', 'a')])).file);
    for (const frame of f) {
      expect(checksum([frame.ip.subarray(0, 20)])).toBe(0);
      const pseudo = Buffer.concat([frame.ip.subarray(12, 20), Buffer.from([0, 6]), Buffer.alloc(2)]);
      pseudo.writeUInt16BE(frame.ip.length - 20, 10);
      expect(checksum([pseudo, frame.ip.subarray(20)])).toBe(0);
    }
  });

  it('checksum: RFC 1071 arithmetic, parts of odd length joined as one buffer', () => {
    const header = Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex');
    expect(checksum([header]).toString(16)).toBe('b861');
    const bytes = Buffer.from(Array.from({ length: 301 }, (_, i) => (i * 37) & 0xff));
    expect(checksum([bytes.subarray(0, 7), bytes.subarray(7, 8), bytes.subarray(8, 151), bytes.subarray(151)])).toBe(checksum([bytes]));
    expect(checksum([Buffer.alloc(1_000_000, 0xff)])).toBe(0);
  });

  it('client side: \'out\' goes to the broker; the other side\'s records and records without bytes are left out', async () => {
    const noHead = { ...record(puback, 'client', 'in', 'c'), head: null };
    const badHead = { ...record(puback, 'client', 'in', 'c'), head: Buffer.from([0x40, 0xff, 0xff, 0xff, 0xff]).toString('base64') };
    const records = [record(connect('c'), 'client', 'out', 'c'), record(connect('c'), 'broker', 'in', 'c'), noHead, badHead, record(connack, 'client', 'in', 'c')];
    const { file, result } = await pcapng(records, 'client');
    expect(result).toEqual({ packets: 2, skipped: 2 });
    const segs = frames(file).slice(3).map(tcp);
    expect(segs.map((s) => s.dstPort)).toEqual([1883, 49152]);
    expect(frames(file).every((x) => !x.comment.includes('broker in'))).toBe(true);
  });
});

describe('export writers on slow and failing streams', () => {
  /** A stream that takes its time with every chunk; remembers how much was queued when each record was read. */
  function slowSink() {
    const received: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 4096,
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk);
        setTimeout(callback, 1);
      },
    });
    return { sink, received };
  }

  function* watched(records: TrafficRecord[], sink: Writable, queued: number[]) {
    for (const r of records) {
      queued.push(sink.writableLength);
      yield r;
    }
  }

  const many = Array.from({ length: 200 }, (_, i) => record(publish(`t/${i}`, Buffer.alloc(1000, i)), 'broker', 'in', 'a'));

  it.each(['jsonl', 'pcapng'] as const)('%s: waits for drain, so no more than a buffer and a record are ever queued', async (format) => {
    const { sink, received } = slowSink();
    const queued: number[] = [];
    const run: Promise<unknown> = format === 'jsonl' ? writeJsonLines(watched(many, sink, queued), sink) : writePcapng(watched(many, sink, queued), sink);
    await withTimeout(run, 10_000, `the ${format} export`);
    expect(queued).toHaveLength(many.length);
    expect(Math.max(...queued)).toBeLessThan(4096 + 2000);
    sink.end();
    await withTimeout(new Promise((r) => sink.on('finish', r)), 5000, 'the sink to finish');
    if (format === 'jsonl') expect(Buffer.concat(received).toString().split('\n')).toHaveLength(many.length + 1);
  });

  it.each(['jsonl', 'pcapng'] as const)('%s: a stream that fails makes the export fail, without hanging', async (format) => {
    let writes = 0;
    const sink = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        if (++writes === 3) callback(new Error('disk full'));
        else setImmediate(callback);
      },
    });
    const run: Promise<unknown> = format === 'jsonl' ? writeJsonLines(many, sink) : writePcapng(many, sink);
    await expect(withTimeout(run, 5000, `the ${format} export`)).rejects.toThrow('disk full');
    expect(sink.listenerCount('error')).toBe(0);
  });

  it('a stream already destroyed is refused at once', async () => {
    const sink = new PassThrough();
    sink.destroy();
    await expect(withTimeout(writePcapng(many, sink), 5000, 'the export')).rejects.toThrow('closed');
  });
});
