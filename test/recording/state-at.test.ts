// The broker's state "as of the cursor": a real recording of a real workbench, and at several points of
// it the retained table and the sessions it rebuilds are compared with what the live broker showed at
// that same moment. Covers what the packets alone do not show: a will the broker published itself, a
// retained message deleted from the workbench, a session that ended without DISCONNECT, queue sizes.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetainedEntry } from '../../shared/contract/broker.js';
import type { RecordingInfo, SessionAt } from '../../shared/contract/recordings.js';
import { retainedFirstFrom } from '../../main/recording/state-at.js';
import { connect, end, withTimeout } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';
import { rejection } from './recordings-helpers.js';

let t: TestWorkbench;
let recording: RecordingInfo;

/** A moment of the recording: the last packet then, and what the live broker showed. */
interface Mark {
  atPacket: number;
  retained: RetainedEntry[];
  sessions: SessionAt[];
}
const marks: Mark[] = [];

const api = () => t.api;
const publish = (topic: string, data: string, more: Record<string, unknown> = {}) =>
  api().call('clients.publish', { name: 'myClient1', topic, payload: { data }, qos: 1, retain: true, ...more });

async function liveSessions(): Promise<SessionAt[]> {
  const sessions = await api().call('broker.sessions', {});
  const out: SessionAt[] = [];
  for (const session of [...sessions].sort((a, b) => (a.clientId < b.clientId ? -1 : 1))) {
    const detail = await api().call('broker.session', { clientId: session.clientId });
    out.push({ session: detail.session, subscriptions: detail.subscriptions });
  }
  return out;
}

async function lastPacket(): Promise<number> {
  const page = await api().call('recording.query', { id: recording.id, order: 'desc', limit: 1 });
  return page.records[0]?.id ?? 0;
}

/** Every packet of the step before was acknowledged; the live state now is the state after the last packet. */
async function mark(): Promise<void> {
  marks.push({
    atPacket: await lastPacket(),
    retained: (await api().call('retained.list', { limit: 1000, payloadBytes: 1_048_576 })).entries,
    sessions: await liveSessions(),
  });
}

const retainedAt = (atPacket: number) => api().call('recording.retainedAt', { id: recording.id, atPacket, payloadBytes: 1_048_576 });
const sessionsAt = (atPacket: number) => api().call('recording.sessionsAt', { id: recording.id, atPacket });
/** [topic, payload text, publisher] */
const rows = (entries: RetainedEntry[]) => entries.map((e) => [e.topic, Buffer.from(e.payload, 'base64').toString(), e.publisher]);
/** Queue sizes are sampled once a second: compared apart. */
const withoutCounts = (sessions: SessionAt[]) => sessions.map(({ session: { queued: _q, inflight: _i, ...rest }, subscriptions }) => ({ rest, subscriptions }));
const who = (sessions: SessionAt[]) => sessions.map((s) => [s.session.clientId, s.session.connected]);

beforeAll(async () => {
  t = await startWorkbench();
  const tcp = t.workbench.broker.addresses.find((a) => a.protocol === 'tcp')!;
  await api().call('clients.create', { name: 'myClient1', protocolVersion: 5 });
  await api().call('clients.connect', { name: 'myClient1' });
  // Before the recording: what its snapshot holds, and a persistent session that is offline.
  await publish('lab/pre', 'old');
  await publish('lab/gone', 'bye');
  const sleeper = await connect(tcp.url, { clientId: 'sleeper', clean: false, protocolVersion: 4 });
  await withTimeout(sleeper.subscribeAsync('lab/#', { qos: 1 }), 5000, 'subscribe');
  await end(sleeper);
  await eventually(async () => !(await api().call('broker.session', { clientId: 'sleeper' })).session.connected, 'sleeper offline');
  recording = await api().call('recording.start', { name: 'state' });
  await mark(); // 0: the start

  await publish('lab/a', 'A1', { properties: { userProperties: [['k', 'v']], contentType: 'text/plain', correlationData: 'beef', messageExpiryInterval: 3600 } });
  await api().call('clients.publish', { name: 'myClient1', topic: 'lab/x', payload: { data: 'not retained' }, qos: 1 });
  await mark(); // 1: retained publishes

  await publish('lab/gone', ''); // an empty retained payload deletes the topic
  await publish('lab/a', 'A2');
  const device = await connect(tcp.url, { clientId: 'device-9', protocolVersion: 5 });
  await withTimeout(device.subscribeAsync('dev/#', { qos: 1 }), 5000, 'subscribe');
  await withTimeout(device.publishAsync('dev/b', 'B', { qos: 1, retain: true, properties: { topicAlias: 2 } }), 5000, 'publish');
  await withTimeout(device.publishAsync('', 'B2', { qos: 1, retain: true, properties: { topicAlias: 2 } }), 5000, 'publish');
  // The broker refuses it (PUBACK 0x87): it must not appear in the rebuilt table either.
  await expect(withTimeout(device.publishAsync('$SYS/fake', 'no', { qos: 1, retain: true }), 5000, 'publish')).rejects.toThrow('Not authorized');
  await mark(); // 2: device-9 connected, with a subscription

  await end(device);
  // A device dies without DISCONNECT: the broker publishes its retained will (no PUBLISH came in for it).
  const dying = await RawClient.open(tcp.port);
  await dying.handshake('dying', 4, { will: { topic: 'wills/dying', payload: Buffer.from('lost'), qos: 0, retain: true } });
  dying.destroy();
  await eventually(async () => (await api().call('retained.list', {})).entries.some((e) => e.topic === 'wills/dying'), 'the will to be stored');
  // Deleted from the workbench (no packet either), then a packet so the next mark is after it.
  await api().call('retained.delete', { topic: 'lab/pre' });
  await api().call('clients.publish', { name: 'myClient1', topic: 'lab/y', payload: { data: 'fence' }, qos: 1 });
  await mark(); // 3: will stored, lab/pre deleted, device-9 and dying gone

  await publish('lab/a', '');
  await mark(); // 4: after everything
}, 30_000);
afterAll(() => t?.close());

describe('the retained table at a packet', () => {
  it('at the start it is the snapshot', async () => {
    expect(rows(await retainedAt(0))).toEqual([['lab/gone', 'bye', 'myClient1'], ['lab/pre', 'old', 'myClient1']]);
  });

  it('follows retained publishes, empty payloads, topic aliases; a refused $SYS publish changes nothing', async () => {
    expect(rows(await retainedAt(marks[1]!.atPacket))).toEqual([
      ['lab/a', 'A1', 'myClient1'], ['lab/gone', 'bye', 'myClient1'], ['lab/pre', 'old', 'myClient1'],
    ]);
    expect(rows(await retainedAt(marks[2]!.atPacket))).toEqual([
      ['dev/b', 'B2', 'device-9'], ['lab/a', 'A2', 'myClient1'], ['lab/pre', 'old', 'myClient1'],
    ]);
  });

  it('holds a retained will the broker published and loses a message deleted from the workbench', async () => {
    expect(rows(await retainedAt(marks[3]!.atPacket))).toEqual([
      ['dev/b', 'B2', 'device-9'], ['lab/a', 'A2', 'myClient1'], ['wills/dying', 'lost', 'dying'],
    ]);
    expect(rows(await retainedAt(marks[4]!.atPacket))).toEqual([['dev/b', 'B2', 'device-9'], ['wills/dying', 'lost', 'dying']]);
  });

  it('equals the live broker\'s retained table at every mark, properties, sizes and times included', async () => {
    for (const [i, m] of marks.entries()) expect(await retainedAt(m.atPacket), `mark ${i}`).toEqual(m.retained);
    const a1 = (await retainedAt(marks[1]!.atPacket)).find((e) => e.topic === 'lab/a')!;
    expect(a1.properties).toMatchObject({ userProperties: { k: 'v' }, contentType: 'text/plain', correlationData: { base64: Buffer.from('beef', 'hex').toString('base64') } });
  });

  it('on the broker\'s record of a retained PUBLISH it is stored; on the packet before it is not', async () => {
    const { records } = await api().call('recording.query', { id: recording.id, side: 'broker', types: ['publish'], topic: 'lab/a', order: 'asc' });
    const first = records.find((r) => r.direction === 'in')!;
    expect(rows(await retainedAt(first.id)).map((r) => r[0])).toContain('lab/a');
    expect(rows(await retainedAt(first.id - 1)).map((r) => r[0])).not.toContain('lab/a');
  });

  it('as a replay\'s retainedFirst: bytes, QoS and properties ready to publish', async () => {
    const first = retainedFirstFrom(await retainedAt(marks[1]!.atPacket));
    expect(first.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([['lab/a', 'A1', 1], ['lab/gone', 'bye', 1], ['lab/pre', 'old', 1]]);
    expect(first[0]!.properties).toMatchObject({ userProperties: { k: 'v' }, contentType: 'text/plain', correlationData: Buffer.from('beef', 'hex') });
    const cut = { ...marks[0]!.retained[0]!, payloadSize: 1000 };
    expect(() => retainedFirstFrom([cut])).toThrow("the retained message on 'lab/gone' holds 3 of its 1000 payload bytes");
  });

  it("a retained PUBLISH's payload is kept once (its change points at the recorded packet); a will's is kept in its change", async () => {
    await sessionsAt(0); // writes what is queued
    const db = new Database(join(t.workbench.recordingsDir, `${recording.id}.mqttrec`), { readonly: true });
    try {
      const row = (topic: string) => db.prepare<[string], { payload: Buffer | null; payload_packet: number | null }>(
        'SELECT payload, payload_packet FROM retained_changes WHERE topic = ? ORDER BY seq LIMIT 1').get(topic)!;
      const a1 = row('lab/a');
      expect(a1.payload).toBeNull();
      const { records } = await api().call('recording.query', { id: recording.id, side: 'broker', types: ['publish'], topic: 'lab/a', order: 'asc' });
      expect(a1.payload_packet).toBe(records.find((r) => r.direction === 'in')!.id);
      expect(row('wills/dying')).toEqual({ payload: Buffer.from('lost'), payload_packet: null });
    } finally {
      db.close();
    }
  });

  it('payloads are cut to payloadBytes, sizes kept', async () => {
    const [entry] = await api().call('recording.retainedAt', { id: recording.id, atPacket: 0, payloadBytes: 1 });
    expect([entry!.topic, Buffer.from(entry!.payload, 'base64').toString(), entry!.payloadSize]).toEqual(['lab/gone', 'b', 3]);
  });
});

describe('the sessions at a packet', () => {
  it('who was there: connected, offline, gone', async () => {
    expect(who(await sessionsAt(0))).toEqual([['myClient1', true], ['sleeper', false]]);
    expect(who(await sessionsAt(marks[2]!.atPacket))).toEqual([['device-9', true], ['myClient1', true], ['sleeper', false]]);
    // device-9 disconnected (a clean session ends), dying lost its socket: both gone.
    expect(who(await sessionsAt(marks[3]!.atPacket))).toEqual([['myClient1', true], ['sleeper', false]]);
  });

  it('equals the live broker\'s sessions and subscriptions at every mark (queue sizes apart)', async () => {
    for (const [i, m] of marks.entries()) expect(withoutCounts(await sessionsAt(m.atPacket)), `mark ${i}`).toEqual(withoutCounts(m.sessions));
    const device = (await sessionsAt(marks[2]!.atPacket)).find((s) => s.session.clientId === 'device-9')!;
    expect(device.subscriptions).toMatchObject([{ filter: 'dev/#', qos: 1 }]);
    expect(device.session).toMatchObject({ protocolVersion: 5, remoteAddress: '127.0.0.1' });
  });

  it("an offline session's queue, sampled while recording, reaches the size the broker shows", async () => {
    // sleeper subscribed to lab/# at QoS 1: the six QoS 1 messages on lab/ since are queued for it.
    const live = (await api().call('broker.session', { clientId: 'sleeper' })).session.queued;
    expect(live).toBe(6);
    // Queue sizes are sampled once a second; a sample shows from the next packet on (no packet caused it).
    await eventually(async () => {
      await api().call('clients.publish', { name: 'myClient1', topic: 'other/tick', payload: { data: '' }, qos: 0 });
      const atEnd = (await sessionsAt(await lastPacket())).find((s) => s.session.clientId === 'sleeper')!;
      return atEnd.session.queued === live;
    }, 'the sampled queue size', 5000);
    expect((await sessionsAt(0)).find((s) => s.session.clientId === 'sleeper')!.session.queued).toBe(0);
  });
});

describe('the end of a recording', () => {
  it('at its last packet, a change after it shows too (no later packet would show it)', async () => {
    await publish('end/kept', 'x');
    const last = await lastPacket();
    expect(rows(await retainedAt(last)).map((r) => r[0])).toContain('end/kept');
    await api().call('retained.delete', { topic: 'end/kept' }); // no packet after it
    expect(rows(await retainedAt(last)).map((r) => r[0])).not.toContain('end/kept');
    expect(rows(await retainedAt(last - 1)).map((r) => r[0])).toContain('end/kept'); // the packet before: not deleted yet
  });
});

describe('recordings that do not hold the broker\'s state', () => {
  it("a named client's recording of an outside broker is refused with a reason", async () => {
    await api().call('recording.stop', {});
    const field = await api().call('recording.start', { name: 'field', client: 'myClient1', filter: 'lab/#', qos: 0 });
    await api().call('recording.stop', {});
    expect(await rejection(api().call('recording.sessionsAt', { id: field.id, atPacket: 0 }), 'conflict')).toMatch(/recorded by the named client myClient1.*not the broker's state/);
    expect(await rejection(api().call('recording.retainedAt', { id: field.id, atPacket: 0 }), 'conflict')).toMatch(/named client/);
  });
});
