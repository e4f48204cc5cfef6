// Export of real traffic: myClient1 (MQTT 3.1.1, with a password) and myClient2 (MQTT 5, user
// properties) exchange QoS 0/1/2, retained and binary messages through the embedded broker; the log's
// records are exported as JSON Lines and as pcapng, and the pcapng is read back by tshark's MQTT dissector.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import { writeJsonLines } from '../../main/recording/export-jsonl.js';
import { type PcapngOptions, writePcapng } from '../../main/recording/export-pcapng.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';

const TSHARK = '/usr/bin/tshark';
const hasTshark = existsSync(TSHARK);
const BIG = Buffer.alloc(150_000, 0x07); // more than one IPv4 packet holds: several TCP segments
const BINARY = '00ff1080fe';

let t: TestWorkbench;
let dir: string;
/** Every record of the log with whole payloads, and the same records with payloads cut to 3 bytes. */
let records: TrafficRecord[];
let cutRecords: TrafficRecord[];

async function allRecords(payloadBytes: number): Promise<TrafficRecord[]> {
  const out: TrafficRecord[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await t.api.call('traffic.query', { order: 'asc', limit: 200, payloadBytes, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    if (page.next === null) return out;
    cursor = page.next;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'export-formats-'));
  t = await startWorkbench();
  const api = t.api;
  await api.call('clients.create', { name: 'myClient1', username: 'teacher', password: 'secret' });
  await api.call('clients.create', { name: 'myClient2', protocolVersion: 5, userProperties: [['site', 'lab']] });
  await api.call('clients.connect', { name: 'myClient1' });
  await api.call('clients.connect', { name: 'myClient2' });
  await api.call('clients.subscribe', { name: 'myClient2', filter: 'lab/#', qos: 2 });
  for (const qos of [0, 1, 2] as const) {
    await api.call('clients.publish', { name: 'myClient1', topic: `lab/q${qos}`, payload: { data: `hello ${qos}` }, qos });
  }
  await api.call('clients.publish', { name: 'myClient1', topic: 'lab/retained', payload: { format: 'hex', data: BINARY }, qos: 1, retain: true });
  await api.call('clients.publish', { name: 'myClient1', topic: 'lab/big', payload: { format: 'base64', data: BIG.toString('base64') }, qos: 1 });
  await api.call('clients.publish', {
    name: 'myClient2', topic: 'lab/v5', payload: { data: '21.5' }, qos: 1, properties: { userProperties: [['unit', 'C'], ['k', 'v']] },
  });
  // A reconnect (a new TCP stream), then the retained message delivered with its retain flag.
  await api.call('clients.disconnect', { name: 'myClient1' });
  await api.call('clients.connect', { name: 'myClient1' });
  await api.call('clients.subscribe', { name: 'myClient1', filter: 'lab/retained', qos: 1 });
  await eventually(async () => (await allRecords(0)).some((r) => r.side === 'broker' && r.connection === 'myClient1' && r.type === 'puback' && r.direction === 'in'),
    'myClient1 to acknowledge the retained message');
  // Everything still on its way has arrived once two reads a moment apart agree.
  let count = -1;
  await eventually(async () => {
    const now = (await allRecords(0)).length;
    const stable = now === count;
    count = now;
    await new Promise((r) => setTimeout(r, 100));
    return stable;
  }, 'the log to settle');
  records = await allRecords(1_048_576);
  cutRecords = await allRecords(3);
}, 30_000);

afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('export: JSON Lines', () => {
  it('one line per record, in order, each the record as is; payloads byte-equal', async () => {
    const file = join(dir, 'all.jsonl');
    const out = createWriteStream(file);
    expect(await writeJsonLines(records, out)).toBe(records.length);
    out.end();
    await finished(out);
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as TrafficRecord);
    expect(lines).toEqual(records);
    expect(lines.map((r) => r.id)).toEqual(records.map((r) => r.id));
    // Byte comparisons with Buffer.equals: vitest's deep equality walks a 150 kB buffer byte by byte, slowly.
    for (const [i, line] of lines.entries()) {
      expect(Buffer.from(line.payload ?? '', 'base64').equals(Buffer.from(records[i]!.payload ?? '', 'base64')), `record ${line.id}`).toBe(true);
    }
    // The payloads are the ones published, byte for byte.
    const published = (topic: string) => lines.find((r) => r.side === 'broker' && r.direction === 'in' && r.topic === topic)!;
    expect(Buffer.from(published('lab/retained').payload!, 'base64').toString('hex')).toBe(BINARY);
    expect(Buffer.from(published('lab/big').payload!, 'base64').equals(BIG)).toBe(true);
    expect(Buffer.from(published('lab/q2').payload!, 'base64').toString()).toBe('hello 2');
  });

  it('takes an async iterable (a paged query) and writes the same bytes', async () => {
    async function* paged() {
      for (const record of records) {
        await Promise.resolve();
        yield record;
      }
    }
    const a = new PassThrough();
    const b = new PassThrough();
    const chunks: Buffer[][] = [[], []];
    a.on('data', (c: Buffer) => chunks[0]!.push(c));
    b.on('data', (c: Buffer) => chunks[1]!.push(c));
    expect(await writeJsonLines(paged(), a)).toBe(records.length);
    expect(await writeJsonLines(records, b)).toBe(records.length);
    expect(Buffer.concat(chunks[0]!).equals(Buffer.concat(chunks[1]!))).toBe(true);
    expect(Buffer.concat(chunks[0]!).length).toBeGreaterThan(BIG.length * 2);
  });
});

// --- pcapng through tshark ---------------------------------------------------------------------------

const TYPES = ['reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];

type Layers = Record<string, string[] | undefined>;

function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(TSHARK, args, { timeout: 30_000, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tshark ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Checksum validation is off by default in Wireshark; on, a wrong sum is an error-level expert item. */
const CHECKED = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];
const FIELDS = ['frame.comment', 'frame.time_epoch', 'tcp.stream', 'mqtt.msgtype', 'mqtt.topic', 'mqtt.qos', 'mqtt.retain',
  'mqtt.msgid', 'mqtt.msg', 'mqtt.msg_text', 'mqtt.username', 'mqtt.prop_key', 'mqtt.prop_value', 'frame.len', 'frame.cap_len',
  '_ws.short', '_ws.unreassembled'];

/** Each frame tshark decodes as MQTT, with the fields above. */
async function mqttFrames(file: string, extra: string[] = []): Promise<Layers[]> {
  const out = await tshark([...extra, '-r', file, '-Y', 'mqtt', '-T', 'json', ...FIELDS.flatMap((f) => ['-e', f])]);
  return (JSON.parse(out) as Array<{ _source: { layers: Layers } }>).map((p) => p._source.layers);
}

/** Frames tshark finds wrong in any way: malformed, error-level expert info, TCP analysis, bad checksums. */
async function problems(file: string): Promise<string> {
  const filter = '_ws.malformed || _ws.expert.severity >= error || tcp.analysis.flags || tcp.checksum.status == 0 || ip.checksum.status == 0';
  return (await tshark([...CHECKED, '-r', file, '-Y', filter])).trim();
}

/** mqtt.msg is FT_BYTES (hex) in Wireshark 4; older versions made it a string. Asked once. */
let msgIsBytes: boolean | undefined;
async function payloadOf(layers: Layers): Promise<string | undefined> {
  msgIsBytes ??= /\tmqtt\.msg\tFT_BYTES/.test(await tshark(['-G', 'fields']));
  const msg = layers['mqtt.msg']?.[0];
  if (msg !== undefined) return msgIsBytes ? msg.replaceAll(':', '') : Buffer.from(msg).toString('hex');
  const text = layers['mqtt.msg_text']?.[0];
  return text === undefined ? undefined : Buffer.from(text).toString('hex');
}

/** The record id a frame's comment names ("record 42: …"). */
function recordId(layers: Layers): number {
  const match = /^record (\d+):/.exec(layers['frame.comment']?.[0] ?? '');
  if (!match) throw new Error(`a frame without a record comment: ${JSON.stringify(layers)}`);
  return Number(match[1]);
}

/** Topics: a PUBLISH's, or the filters of a SUBSCRIBE / UNSUBSCRIBE (tshark names both mqtt.topic). */
interface Decoded { id: number; type: string; topics: string[]; qos: number | null; packetId: number | null; retain: boolean; payload?: string }

async function decodedFrames(file: string, withPayload: boolean): Promise<Decoded[]> {
  const out: Decoded[] = [];
  for (const l of await mqttFrames(file)) {
    const type = TYPES[Number(l['mqtt.msgtype']![0])]!;
    const isPublish = type === 'publish';
    out.push({
      id: recordId(l),
      type,
      topics: l['mqtt.topic'] ?? [],
      qos: isPublish ? Number(l['mqtt.qos']![0]) : null,
      packetId: l['mqtt.msgid'] ? Number(l['mqtt.msgid'][0]) : null,
      retain: l['mqtt.retain']?.[0] === '1',
      ...(withPayload && isPublish ? { payload: await payloadOf(l) } : {}),
    });
  }
  return out;
}

function expected(of: TrafficRecord[], side: 'broker' | 'client', withPayload: boolean): Decoded[] {
  return of.filter((r) => r.side === side && r.head !== null).map((r) => ({
    // mqtt.js puts messageId 0 on a QoS 0 PUBLISH, so client-side records say 0; the wire has no id.
    id: r.id, type: r.type, topics: topicsOf(r), qos: r.qos, packetId: r.qos === 0 ? null : r.packetId, retain: r.retain,
    ...(withPayload && r.type === 'publish' ? { payload: Buffer.from(r.payload!, 'base64').toString('hex') } : {}),
  }));
}

function topicsOf(record: TrafficRecord): string[] {
  if (record.topic !== null) return [record.topic];
  const filters = (record.fields.subscriptions ?? record.fields.unsubscriptions ?? []) as Array<string | { topic: string }>;
  return filters.map((f) => (typeof f === 'string' ? f : f.topic));
}

async function exportTo(name: string, of: Iterable<TrafficRecord>, options?: PcapngOptions) {
  const file = join(dir, name);
  const out = createWriteStream(file);
  const result = await writePcapng(of, out, options);
  out.end();
  await finished(out);
  return { file, result };
}

/** "1795882304.645673000" → epoch µs, without going through a float. */
function epochUs(text: string): number {
  const [s, frac = ''] = text.split('.');
  return Number(s) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

describe.skipIf(!hasTshark)(`export: pcapng read by tshark (skipped: ${TSHARK} is missing; .ci/run installs it)`, () => {
  /** The broker side's export, written once for the tests that read it (whichever runs first). */
  let brokerExport: ReturnType<typeof exportTo> | undefined;
  const exportBroker = () => (brokerExport ??= exportTo('broker.pcapng', records));

  it('broker side: every packet decodes as MQTT with the record\'s type, topic, QoS, id, retain and payload, in order', async () => {
    const { file, result } = await exportBroker();
    const want = expected(records, 'broker', true);
    expect(result).toEqual({ packets: want.length, skipped: 0 });
    expect(want.map((r) => r.type)).toEqual(expect.arrayContaining(['connect', 'publish', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback', 'disconnect']));
    expect(await decodedFrames(file, true)).toEqual(want);
    expect(await problems(file)).toBe('');
  });

  it('broker side: one TCP stream per connection, a new one per reconnect, each starting with CONNECT; times are the records\'', async () => {
    const byId = new Map(records.map((r) => [r.id, r]));
    const frames = await mqttFrames((await exportBroker()).file);
    const streams = new Map<string, { connection: string; types: string[] }>();
    for (const l of frames) {
      const record = byId.get(recordId(l))!;
      const stream = l['tcp.stream']![0]!;
      const entry = streams.get(stream) ?? { connection: record.connection, types: [] };
      expect(entry.connection).toBe(record.connection);
      entry.types.push(TYPES[Number(l['mqtt.msgtype']![0])]!);
      streams.set(stream, entry);
      expect(epochUs(l['frame.time_epoch']![0]!)).toBe(record.timeUs);
    }
    const connections = [...streams.values()].map((s) => s.connection);
    expect(connections.filter((c) => c === 'myClient1')).toHaveLength(2);
    expect(connections.filter((c) => c === 'myClient2')).toHaveLength(1);
    for (const { types } of streams.values()) expect(types.slice(0, 2)).toEqual(['connect', 'connack']);
    // Per stream, the message types are the connection's records in order (one stream at a time).
    const pieces = (connection: string) => records.filter((r) => r.side === 'broker' && r.connection === connection).map((r) => r.type);
    for (const connection of new Set(connections)) {
      expect([...streams.values()].filter((s) => s.connection === connection).flatMap((s) => s.types)).toEqual(pieces(connection));
    }
  });

  it('MQTT 5 user properties, the password left out of the CONNECT, the retained delivery', async () => {
    const frames = await mqttFrames((await exportBroker()).file);
    const byId = new Map(records.map((r) => [r.id, r]));
    const byType = (type: string, connection: string) =>
      frames.filter((l) => TYPES[Number(l['mqtt.msgtype']![0])] === type && byId.get(recordId(l))!.connection === connection);
    const v5connect = byType('connect', 'myClient2')[0]!;
    expect(v5connect['mqtt.prop_key']).toEqual(['site']);
    expect(v5connect['mqtt.prop_value']).toEqual(['lab']);
    const v5publishes = frames.filter((l) => l['mqtt.topic']?.[0] === 'lab/v5');
    expect(v5publishes).toHaveLength(2); // myClient2 → broker → myClient2
    for (const l of v5publishes) {
      expect(l['mqtt.prop_key']).toEqual(['unit', 'k']);
      expect(l['mqtt.prop_value']).toEqual(['C', 'v']);
    }
    // The password was never logged: its bytes are a tail not captured, and the packets after it decode.
    const connects = byType('connect', 'myClient1');
    expect(connects).toHaveLength(2);
    for (const l of connects) {
      expect(l['mqtt.username']).toEqual(['teacher']);
      expect(l['_ws.short']).toBeDefined();
      expect(l['frame.comment']![0]).toMatch(/\(\d+ of \d+ bytes kept\)$/);
    }
    const retainedOut = frames.filter((l) => l['mqtt.topic']?.[0] === 'lab/retained' && l['mqtt.retain']?.[0] === '1');
    expect(retainedOut.length).toBeGreaterThanOrEqual(2); // published retained, and delivered as retained
  });

  it('client side: the named clients\' records decode the same way', async () => {
    const { file, result } = await exportTo('client.pcapng', records, { side: 'client' });
    const want = expected(records, 'client', true);
    expect(result).toEqual({ packets: want.length, skipped: 0 });
    expect(await decodedFrames(file, true)).toEqual(want);
    expect(await problems(file)).toBe('');
  });

  it('cut payloads: the tails are not captured, and every packet after them still decodes', async () => {
    const cut = cutRecords.filter((r) => r.side === 'broker' && r.type === 'publish');
    expect(cut.length).toBeGreaterThan(0);
    for (const r of cut) expect(Buffer.from(r.payload!, 'base64').length).toBeLessThan(r.payloadSize);
    const { file } = await exportTo('cut.pcapng', cutRecords);
    const frames = await mqttFrames(file);
    expect(await decodedFrames(file, false)).toEqual(expected(cutRecords, 'broker', false));
    const cutIds = new Set(cut.map((r) => r.id));
    // Wireshark says "packet size limited during capture", or for the 150 kB message (three segments, the
    // first one cut) "unreassembled": a note, not an error.
    const cutFrames = frames.filter((l) => cutIds.has(recordId(l)));
    expect(cutFrames).toHaveLength(cut.length);
    for (const l of cutFrames) {
      expect(Number(l['frame.cap_len']![0]), l['frame.comment']![0]).toBeLessThan(Number(l['frame.len']![0]));
      expect(l['_ws.short'] ?? l['_ws.unreassembled'], l['frame.comment']![0]).toBeDefined();
    }
    expect(await problems(file)).toBe('');
  });

  it('records without bytes are skipped and counted; the rest still decode', async () => {
    const withoutHead = records.map((r) => (r.side === 'broker' && r.type === 'puback' ? { ...r, head: null } : r));
    const skipped = withoutHead.filter((r) => r.side === 'broker' && r.head === null).length;
    expect(skipped).toBeGreaterThan(0);
    const { file, result } = await exportTo('skipped.pcapng', withoutHead);
    expect(result.skipped).toBe(skipped);
    expect(await decodedFrames(file, true)).toEqual(expected(withoutHead, 'broker', true));
  });

  it('can fail: one wrong TCP sequence number changes what tshark decodes', async () => {
    const bytes = await readFile((await exportBroker()).file);
    // The 150 kB message is three segments that TCP reassembles; move the second one by a byte.
    const big = records.find((r) => r.side === 'broker' && r.direction === 'in' && r.topic === 'lab/big')!;
    const segments = framesOf(bytes).filter((f) => f.comment.startsWith(`record ${big.id}:`));
    expect(segments).toHaveLength(3);
    const seqAt = segments[1]!.dataOffset + 20 + 4; // raw IPv4: 20 bytes of IP header, then TCP's seq
    bytes.writeUInt32BE((bytes.readUInt32BE(seqAt) + 1) >>> 0, seqAt);
    const tampered = join(dir, 'tampered.pcapng');
    await writeFile(tampered, bytes);
    expect(await decodedFrames(tampered, true)).not.toEqual(expected(records, 'broker', true));
    expect(await problems(tampered)).not.toBe('');
  });
});

/** The Enhanced Packet Blocks of a little-endian pcapng file: where each frame's data starts, and its comment. */
function framesOf(file: Buffer): Array<{ dataOffset: number; comment: string }> {
  const out: Array<{ dataOffset: number; comment: string }> = [];
  for (let at = 0; at < file.length; at += file.readUInt32LE(at + 4)) {
    if (file.readUInt32LE(at) !== 6) continue;
    const captured = file.readUInt32LE(at + 20);
    let opt = at + 28 + Math.ceil(captured / 4) * 4;
    let comment = '';
    while (file.readUInt16LE(opt) !== 0) {
      const length = file.readUInt16LE(opt + 2);
      if (file.readUInt16LE(opt) === 1) comment = file.toString('utf8', opt + 4, opt + 4 + length);
      opt += 4 + Math.ceil(length / 4) * 4;
    }
    out.push({ dataOffset: at + 28, comment });
  }
  return out;
}
