// Recording a session on the embedded broker through the real WebSocket API: myClient1 and myClient2
// exchange QoS 0/1/2 and retained messages; the recording holds the same packets as the live log for
// its span (payloads whole), the snapshot the broker's state at its start; it survives a restart,
// exports and imports byte for byte, renames and deletes.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingInfo } from '../../shared/contract/recordings.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';
import { logRecords, recordingRecords, rejection, withoutIdAndPayload } from './recordings-helpers.js';

let dir: string;
let t: TestWorkbench;
let recorded: RecordingInfo;
const BIG = Buffer.alloc(300 * 1024, 7); // over the live log's 256 KiB payload cap

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-recordings-'));
  t = await startWorkbench({ dataDir: join(dir, 'data') });
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const text = (data: string) => ({ format: 'text' as const, data });

describe('recordings: record a session on the embedded broker', () => {
  it('starts with the broker state as a snapshot; a second start is a conflict', async () => {
    await t.api.call('clients.create', { name: 'myClient1' });
    await t.api.call('clients.create', { name: 'myClient2', protocolVersion: 5 });
    await t.api.call('clients.connect', { name: 'myClient1' });
    await t.api.call('clients.connect', { name: 'myClient2' });
    await t.api.call('clients.subscribe', { name: 'myClient2', filter: 'before/#', qos: 1 });
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/before', payload: text('old state'), qos: 1, retain: true });
    await eventually(async () => (await t.api.call('retained.list', {})).total === 1, 'the retained message before the recording');

    recorded = await t.api.call('recording.start', { name: 'lesson 1', notes: 'QoS demo' });
    expect(recorded).toMatchObject({ name: 'lesson 1', notes: 'QoS demo', recording: true, endedUs: null, source: 'embedded broker', client: null, formatVersion: 2 });
    expect(recorded.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(existsSync(join(dir, 'data', 'recordings', `${recorded.id}.mqttrec`))).toBe(true);
    const message = await rejection(t.api.call('recording.start', { name: 'second' }), 'conflict');
    expect(message).toContain('lesson 1');
  });

  it('records QoS 0/1/2, retained and a 300 KiB payload, then stops with its counts', async () => {
    await t.api.call('clients.subscribe', { name: 'myClient2', filter: 'lab/#', qos: 2 });
    for (const qos of [0, 1, 2] as const) {
      await t.api.call('clients.publish', { name: 'myClient1', topic: `lab/q${qos}`, payload: text(`hello ${qos}`), qos });
    }
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/during', payload: { format: 'hex', data: '00ff10' }, qos: 1, retain: true });
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/big', payload: { format: 'base64', data: BIG.toString('base64') }, qos: 1 });
    // myClient2 got all five (and the retained 'lab/before' at its subscribe): wait for the last PUBACK it sent.
    await eventually(async () => {
      const records = await recordingRecords(t.api, recorded.id, { connections: ['myClient2'], side: 'client' });
      return records.some((r) => r.type === 'puback' && r.direction === 'out' && r.packetId !== null) &&
        records.filter((r) => r.type === 'publish' && r.direction === 'in').length >= 6;
    }, 'myClient2 to receive everything');
    await eventually(async () => (await t.api.call('recording.list', {}))[0]!.packets > 0, 'counts while recording');
    expect(t.batches.flatMap((b) => b.events).some((e) => e.type === 'recording' && e.recording.id === recorded.id)).toBe(true);

    const stopped = await t.api.call('recording.stop', {});
    expect(stopped).toMatchObject({ id: recorded.id, recording: false });
    expect(stopped.endedUs).toBeGreaterThanOrEqual(stopped.startedUs);
    expect(stopped.bytes).toBeGreaterThan(BIG.length);
    await rejection(t.api.call('recording.stop', {}), 'conflict');
    recorded = stopped;
  });

  it('holds every packet of its span in the order of the live log, payloads whole', async () => {
    const inRecording = await recordingRecords(t.api, recorded.id);
    const inLog = await logRecords(t.api, { fromUs: recorded.startedUs, toUs: recorded.endedUs! });
    expect(inRecording.length).toBe(recorded.packets);
    expect(inRecording.map((r) => r.id)).toEqual(inRecording.map((_, i) => i + 1));
    expect(inRecording.map(withoutIdAndPayload)).toEqual(inLog.map(withoutIdAndPayload));
    // Payloads: equal, except that the live log cut the big one at 256 KiB and the recording did not.
    inRecording.forEach((r, i) => {
      if (r.topic !== 'lab/big') expect(r.payload).toEqual(inLog[i]!.payload);
    });
    const big = inRecording.filter((r) => r.topic === 'lab/big' && r.type === 'publish');
    expect(big.length).toBe(4); // out of myClient1, into the broker, out of the broker, into myClient2
    for (const r of big) expect(Buffer.from(r.payload!, 'base64').equals(BIG)).toBe(true);
    expect(Buffer.from(inLog.find((r) => r.topic === 'lab/big')!.payload!, 'base64').length).toBe(256 * 1024);

    const seq = (side: 'broker' | 'client', connection: string) =>
      inRecording.filter((r) => r.side === side && r.connection === connection && r.topic === 'lab/q2' || (r.side === side && r.connection === connection && ['pubrec', 'pubrel', 'pubcomp'].includes(r.type)))
        .map((r) => `${r.direction} ${r.type}`);
    expect(seq('client', 'myClient1')).toEqual(['out publish', 'in pubrec', 'out pubrel', 'in pubcomp']);
    expect(seq('broker', 'myClient2')).toEqual(['out publish', 'in pubrec', 'out pubrel', 'in pubcomp']);
    const retainedIn = inRecording.find((r) => r.side === 'broker' && r.direction === 'in' && r.topic === 'lab/during')!;
    expect([retainedIn.retain, retainedIn.qos, Buffer.from(retainedIn.payload!, 'base64').toString('hex')]).toEqual([true, 1, '00ff10']);
  });

  it('the snapshot holds the retained store and the sessions as they were at the start', async () => {
    const snapshot = await t.api.call('recording.snapshot', { id: recorded.id });
    expect(snapshot.retained.map((m) => [m.topic, Buffer.from(m.payload, 'base64').toString(), m.qos, m.publisher])).toEqual([
      ['lab/before', 'old state', 1, 'myClient1'],
    ]);
    expect(snapshot.retained[0]!.payloadSize).toBe(9);
    expect(snapshot.sessions.map((s) => [s.session.clientId, s.session.connected, s.subscriptions.map((x) => x.filter)])).toEqual([
      ['myClient1', true, []],
      ['myClient2', true, ['before/#']], // lab/# came after the start
    ]);
    // The broker has moved on since.
    expect((await t.api.call('retained.list', {})).entries.map((e) => e.topic)).toEqual(['lab/before', 'lab/during']);
  });

  it('renames, with an event; bad ids and names are refused', async () => {
    const renamed = await t.api.call('recording.rename', { id: recorded.id, name: 'Lesson one', notes: 'QoS 0/1/2 and retained' });
    expect(renamed).toMatchObject({ id: recorded.id, name: 'Lesson one', notes: 'QoS 0/1/2 and retained', packets: recorded.packets });
    await eventually(() => t.batches.flatMap((b) => b.events).some((e) => e.type === 'recording' && e.recording.name === 'Lesson one'), 'the rename event');
    await rejection(t.api.call('recording.rename', { id: '../workbench', name: 'x' }), 'invalid-input');
    await rejection(t.api.call('recording.rename', { id: recorded.id, name: '  ' }), 'invalid-input');
    await rejection(t.api.call('recording.rename', { id: 'no-such-recording', name: 'x' }), 'not-found');
    await rejection(t.api.call('recording.query', { id: 'no-such-recording' }), 'not-found');
    await rejection(t.api.call('recording.start', { name: 'x', filter: '#' }), 'invalid-input'); // a filter needs a client
    recorded = renamed;
  });

  it('survives a restart on the same data folder: listed with its counts, readable', async () => {
    await t.close();
    t = await startWorkbench({ dataDir: join(dir, 'data') });
    const list = await t.api.call('recording.list', {});
    expect(list).toEqual([{ ...recorded, bytes: list[0]!.bytes }]);
    const records = await recordingRecords(t.api, recorded.id);
    expect(records.length).toBe(recorded.packets);
    expect(records.filter((r) => r.topic === 'lab/big' && r.type === 'publish').every((r) => Buffer.from(r.payload!, 'base64').equals(BIG))).toBe(true);
  });

  it('exports and imports again: the same packets, byte-equal payloads, a new id', async () => {
    const out = join(dir, 'shared', 'lesson.mqttrec');
    await rejection(t.api.call('recording.export', { id: recorded.id, path: out }), 'io-error'); // no such folder
    await rejection(t.api.call('recording.export', { id: recorded.id, path: 'lesson.mqttrec' }), 'invalid-input'); // relative
    rmSync(join(dir, 'shared'), { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'shared'));
    const exported = await t.api.call('recording.export', { id: recorded.id, path: out });
    expect(exported.path).toBe(out);
    expect(exported.bytes).toBeGreaterThan(BIG.length);
    expect(readdirSync(join(dir, 'shared'))).toEqual(['lesson.mqttrec']); // no partial file left

    const imported = await t.api.call('recording.import', { path: out });
    expect(imported.id).not.toBe(recorded.id);
    expect(imported).toMatchObject({ name: 'Lesson one', notes: 'QoS 0/1/2 and retained', packets: recorded.packets, recording: false,
      startedUs: recorded.startedUs, endedUs: recorded.endedUs });
    const original = await recordingRecords(t.api, recorded.id);
    const copy = await recordingRecords(t.api, imported.id);
    expect(copy).toEqual(original);
    expect(await t.api.call('recording.snapshot', { id: imported.id })).toEqual(await t.api.call('recording.snapshot', { id: recorded.id }));
    expect((await t.api.call('recording.list', {})).map((r) => r.id).sort()).toEqual([recorded.id, imported.id].sort());
  });

  it('exports the recording that is on: what it holds so far', async () => {
    const live = await t.api.call('recording.start', { name: 'live' });
    await t.api.call('clients.connect', { name: 'myClient1' }).catch(() => {}); // a restart left it disconnected
    await eventually(async () => (await recordingRecords(t.api, live.id)).length >= 2, 'CONNECT and CONNACK recorded');
    const out = join(dir, 'shared', 'live.mqttrec');
    await t.api.call('recording.export', { id: live.id, path: out });
    await rejection(t.api.call('recording.delete', { id: live.id }), 'conflict');
    const stopped = await t.api.call('recording.stop', {});
    const imported = await t.api.call('recording.import', { path: out });
    expect(imported.recording).toBe(false);
    expect(imported.endedUs).not.toBeNull(); // closed at its last packet on import
    expect(imported.packets).toBeGreaterThanOrEqual(2);
    expect(imported.packets).toBeLessThanOrEqual(stopped.packets);
    for (const id of [live.id, imported.id]) await t.api.call('recording.delete', { id });
  });

  it('deletes: gone from the list and the folder, with an event', async () => {
    const before = await t.api.call('recording.list', {});
    const victim = before.find((r) => r.id !== recorded.id)!;
    expect(await t.api.call('recording.delete', { id: victim.id })).toEqual({ deleted: true });
    expect((await t.api.call('recording.list', {})).map((r) => r.id)).toEqual([recorded.id]);
    expect(readdirSync(join(dir, 'data', 'recordings')).filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm'))).toEqual([`${recorded.id}.mqttrec`]);
    await eventually(() => t.batches.flatMap((b) => b.events).some((e) => e.type === 'recording-removed' && e.id === victim.id), 'the removed event');
    await rejection(t.api.call('recording.delete', { id: victim.id }), 'not-found');
  });
});
