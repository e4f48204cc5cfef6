// The retained table "as of the cursor", rebuilt from a starting snapshot plus the recorded packets,
// checked against the live broker's retained table captured at the same moments of a real session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetainedEntry } from '../../shared/contract/broker.js';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import { retainedAt, retainedFirstFrom } from '../../main/recording/state-at.js';
import { nowUs } from '../../main/tap/packet-entry.js';
import { connect, end, withTimeout } from '../helpers/broker.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';

let t: TestWorkbench;
let snapshot: RetainedEntry[];
let startUs: number;
const cursors: number[] = [];
const live: RetainedEntry[][] = [];
let records: TrafficRecord[];

const liveRetained = async () => (await t.api.call('retained.list', { limit: 1000, payloadBytes: 1_048_576 })).entries;
const publish = (topic: string, data: string, more: Record<string, unknown> = {}) =>
  t.api.call('clients.publish', { name: 'myClient1', topic, payload: { data }, qos: 1, retain: true, ...more });

/** A cursor between packets, and the live table at that moment (every publish before it was acknowledged). */
async function mark(): Promise<void> {
  cursors.push(nowUs());
  live.push(await liveRetained());
}

async function recordsSince(fromUs: number): Promise<TrafficRecord[]> {
  const out: TrafficRecord[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await t.api.call('traffic.query', { order: 'asc', fromUs, limit: 500, payloadBytes: 1_048_576, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    if (page.next === null) return out;
    cursor = page.next;
  }
}

beforeAll(async () => {
  t = await startWorkbench();
  await t.api.call('clients.create', { name: 'myClient1', protocolVersion: 5 });
  await t.api.call('clients.connect', { name: 'myClient1' });
  // Before the recording: what its snapshot holds.
  await publish('lab/pre', 'old');
  await publish('lab/gone', 'bye');
  snapshot = await liveRetained();
  startUs = nowUs();

  await mark(); // 0: the start
  await publish('lab/a', 'A1', { properties: { userProperties: [['k', 'v']], contentType: 'text/plain', correlationData: 'beef', messageExpiryInterval: 3600 } });
  await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/x', payload: { data: 'not retained' }, qos: 1 });
  await mark(); // 1: after the first retained publishes
  await publish('lab/gone', ''); // an empty retained payload deletes the topic
  await publish('lab/a', 'A2');
  const device = await connect(t.workbench.broker.addresses[0]!.url, { clientId: 'device-9', protocolVersion: 5 });
  await withTimeout(device.publishAsync('dev/b', 'B', { qos: 1, retain: true, properties: { topicAlias: 2 } }), 5000, 'publish');
  await withTimeout(device.publishAsync('', 'B2', { qos: 1, retain: true, properties: { topicAlias: 2 } }), 5000, 'publish');
  // The broker refuses it (PUBACK 0x87): it must not appear in the rebuilt table either.
  await expect(withTimeout(device.publishAsync('$SYS/fake', 'no', { qos: 1, retain: true }), 5000, 'publish')).rejects.toThrow('Not authorized');
  await end(device);
  await mark(); // 2: between
  await publish('lab/a', '');
  await mark(); // 3: after everything
  await eventually(async () => (await recordsSince(startUs)).filter((r) => r.side === 'broker' && r.type === 'puback' && r.direction === 'out').length >= 8,
    'every PUBACK in the log');
  records = await recordsSince(startUs);
}, 30_000);
afterAll(() => t?.close());

/** [topic, payload text, publisher] of a retained table. */
const rows = (entries: RetainedEntry[]) => entries.map((e) => [e.topic, Buffer.from(e.payload, 'base64').toString(), e.publisher]);
const withoutTime = (entries: RetainedEntry[]) => entries.map(({ receivedAt: _, ...rest }) => rest);

describe('retainedAt: the retained table as of a cursor', () => {
  it('at the start it is the snapshot', () => {
    expect(rows(retainedAt(snapshot, records, cursors[0]!))).toEqual([['lab/gone', 'bye', 'myClient1'], ['lab/pre', 'old', 'myClient1']]);
    expect(retainedAt(snapshot, records, cursors[0]!)).toEqual(snapshot);
  });

  it('between: retained publishes set their topic, an empty payload deletes it, a topic alias is followed, $SYS is refused', () => {
    expect(rows(retainedAt(snapshot, records, cursors[1]!))).toEqual([
      ['lab/a', 'A1', 'myClient1'], ['lab/gone', 'bye', 'myClient1'], ['lab/pre', 'old', 'myClient1'],
    ]);
    expect(rows(retainedAt(snapshot, records, cursors[2]!))).toEqual([
      ['dev/b', 'B2', 'device-9'], ['lab/a', 'A2', 'myClient1'], ['lab/pre', 'old', 'myClient1'],
    ]);
  });

  it('after everything', () => {
    expect(rows(retainedAt(snapshot, records, cursors[3]!))).toEqual([['dev/b', 'B2', 'device-9'], ['lab/pre', 'old', 'myClient1']]);
  });

  it('equals the live broker\'s retained table captured at each cursor (properties and sizes too; times apart)', () => {
    for (let i = 0; i < cursors.length; i++) {
      expect(withoutTime(retainedAt(snapshot, records, cursors[i]!)), `cursor ${i}`).toEqual(withoutTime(live[i]!));
    }
    const a1 = retainedAt(snapshot, records, cursors[1]!).find((e) => e.topic === 'lab/a')!;
    expect(a1.properties).toEqual({ userProperties: { k: 'v' }, contentType: 'text/plain', correlationData: { base64: Buffer.from('beef', 'hex').toString('base64') } });
    // receivedAt is the PUBLISH's record time, in ms.
    const record = records.find((r) => r.side === 'broker' && r.direction === 'in' && r.topic === 'lab/a')!;
    expect(a1.receivedAt).toBe(Math.floor(record.timeUs / 1000));
  });

  it('a snapshot as the recording stores it (payload and correlation data as Buffers) comes out as the table shows it', () => {
    const stored = {
      topic: 'x/y', payload: Buffer.from([1, 2, 3]), qos: 2 as const, publisher: 'p', receivedAt: 42,
      properties: { correlationData: Buffer.from('beef', 'hex'), userProperties: { a: 'b' } },
    };
    expect(retainedAt([stored], [], 0)).toEqual([{
      topic: 'x/y', payload: 'AQID', payloadSize: 3, qos: 2, publisher: 'p', receivedAt: 42,
      properties: { correlationData: { base64: 'vu8=' }, userProperties: { a: 'b' } },
    }]);
  });

  it('as a replay\'s retainedFirst: bytes, QoS and properties ready to publish', () => {
    const first = retainedFirstFrom(retainedAt(snapshot, records, cursors[1]!));
    expect(first.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([['lab/a', 'A1', 1], ['lab/gone', 'bye', 1], ['lab/pre', 'old', 1]]);
    expect(first[0]!.properties).toEqual({ userProperties: { k: 'v' }, contentType: 'text/plain', correlationData: Buffer.from('beef', 'hex') });
    const cut = { ...snapshot[0]!, payloadSize: 1000 };
    expect(() => retainedFirstFrom([cut])).toThrow("the retained message on 'lab/gone' holds 3 of its 1000 payload bytes");
  });
});
