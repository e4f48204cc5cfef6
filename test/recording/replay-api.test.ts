// Replay and the retained table "as of" a point, through the Workbench API: a recording made on one
// workbench, exported, imported on another, replayed there through a named client into its broker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingInfo } from '../../shared/contract/recordings.js';
import { connectCollecting, end } from '../helpers/broker.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';
import { rejection } from './recordings-helpers.js';

let a: TestWorkbench;
let b: TestWorkbench;
let dir: string;
let recorded: RecordingInfo;
let imported: RecordingInfo;
const text = (data: string) => ({ format: 'text' as const, data });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-replay-api-'));
  [a, b] = await Promise.all([startWorkbench(), startWorkbench()]);
  await a.api.call('clients.create', { name: 'myClient1' });
  await a.api.call('clients.create', { name: 'myClient2', protocolVersion: 5 });
  for (const name of ['myClient1', 'myClient2']) await a.api.call('clients.connect', { name });
  await a.api.call('clients.publish', { name: 'myClient1', topic: 'lab/kept', payload: text('before'), qos: 1, retain: true });
  await a.api.call('recording.start', { name: 'demo' });
  await a.api.call('clients.publish', { name: 'myClient1', topic: 'lab/q0', payload: text('zero'), qos: 0 });
  await a.api.call('clients.publish', { name: 'myClient1', topic: 'lab/q1', payload: text('one'), qos: 1 });
  await a.api.call('clients.publish', { name: 'myClient2', topic: 'lab/v5', payload: text('five'), qos: 2, properties: { userProperties: [['unit', 'C']] } });
  await a.api.call('clients.publish', { name: 'myClient1', topic: 'lab/kept', payload: text('during'), qos: 1, retain: true });
  await a.api.call('clients.publish', { name: 'myClient1', topic: 'lab/q2', payload: text('two'), qos: 2 });
  recorded = await a.api.call('recording.stop', {});
  const file = join(dir, 'demo.mqttrec');
  await a.api.call('recording.export', { id: recorded.id, path: file });
  imported = await b.api.call('recording.import', { path: file });
  await b.api.call('clients.create', { name: 'player', protocolVersion: 5 });
  await b.api.call('clients.connect', { name: 'player' });
}, 30_000);
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const finished = (api: TestWorkbench['api']) => eventually(async () => {
  const { replay } = await api.call('replay.status', {});
  return (replay?.state === 'done' || replay?.state === 'stopped') && replay;
}, 'the replay to end');

describe('replay through the API', () => {
  it('replays into another broker: retained state first, then the messages in recorded order', async () => {
    const url = b.workbench.broker.addresses.find((x) => x.protocol === 'tcp')!.url;
    const { client, got } = await connectCollecting(url, { clientId: 'watcher', protocolVersion: 5 });
    await client.subscribeAsync('lab/#', { qos: 2 });
    const started = await b.api.call('replay.start', { id: imported.id, client: 'player', speed: 'max', retainedFirst: true });
    expect(started).toMatchObject({ recordingId: imported.id, client: 'player', speed: 'max' });
    expect(await finished(b.api)).toMatchObject({ state: 'done', published: 5, retainedPublished: 1 });
    const messages = await got.count(6);
    expect(messages.map((m) => [m.topic, m.payload, m.qos, m.retain])).toEqual([
      ['lab/kept', 'before', 1, false], // the retained state at the start, published retained (delivered live: retain 0)
      ['lab/q0', 'zero', 0, false], ['lab/q1', 'one', 1, false], ['lab/v5', 'five', 2, false],
      ['lab/kept', 'during', 1, false], ['lab/q2', 'two', 2, false],
    ]);
    expect(messages[3]!.properties).toMatchObject({ userProperties: { unit: 'C' } });
    await end(client);
  });

  it('the same messages in the same order at another speed, from a chosen client and topic', async () => {
    const url = b.workbench.broker.addresses.find((x) => x.protocol === 'tcp')!.url;
    const { client, got } = await connectCollecting(url, { clientId: 'watcher2' });
    await client.subscribeAsync('lab/#', { qos: 2 });
    await b.api.call('replay.start', { id: imported.id, client: 'player', speed: 50, connections: ['myClient1'], topic: 'lab/+' });
    expect(await finished(b.api)).toMatchObject({ state: 'done', published: 4 });
    // (First comes the retained lab/kept the last replay left in this broker.)
    expect((await got.count(5)).map((m) => [m.topic, m.retain])).toEqual([['lab/kept', true], ['lab/q0', false], ['lab/q1', false], ['lab/kept', false], ['lab/q2', false]]);
    await end(client);
  });

  it('pause, a second start refused while one runs, stop; control without a replay is refused', async () => {
    await b.api.call('replay.start', { id: imported.id, client: 'player', speed: 0.1 });
    expect(await b.api.call('replay.control', { action: 'pause' })).toMatchObject({ state: 'paused' });
    expect(await rejection(b.api.call('replay.start', { id: imported.id, client: 'player' }), 'conflict')).toMatch(/under way/);
    expect(await b.api.call('replay.control', { action: 'speed', speed: 10 })).toMatchObject({ speed: 10 });
    expect(await b.api.call('replay.control', { action: 'stop' })).toMatchObject({ state: 'stopped' });
    await rejection(b.api.call('replay.control', { action: 'resume' }), 'conflict');
    await rejection(b.api.call('replay.start', { id: imported.id, client: 'nobody' }), 'not-found');
    await rejection(b.api.call('replay.start', { id: imported.id, client: 'player', speed: 1000 }), 'invalid-input');
  });

  it('the retained table and the sessions after a packet: the snapshot at the start, the broker\'s changes after', async () => {
    const at = async (atPacket: number) => (await b.api.call('recording.retainedAt', { id: imported.id, atPacket }))
      .map((e) => [e.topic, Buffer.from(e.payload, 'base64').toString(), e.publisher]);
    expect(await at(0)).toEqual([['lab/kept', 'before', 'myClient1']]);
    expect(await at(imported.packets)).toEqual([['lab/kept', 'during', 'myClient1']]);
    // On the broker's record of the retained PUBLISH it is stored; on the packet before, not yet.
    const { records } = await b.api.call('recording.query', { id: imported.id, side: 'broker', types: ['publish'], topic: 'lab/kept', order: 'asc' });
    const stored = records.find((r) => r.direction === 'in')!;
    expect(await at(stored.id)).toEqual([['lab/kept', 'during', 'myClient1']]);
    expect(await at(stored.id - 1)).toEqual([['lab/kept', 'before', 'myClient1']]);
    // The two named clients' sessions, connected through the whole recording (the snapshot holds them).
    const sessions = await b.api.call('recording.sessionsAt', { id: imported.id, atPacket: imported.packets });
    expect(sessions.map((s) => [s.session.clientId, s.session.connected])).toEqual([['myClient1', true], ['myClient2', true]]);
  });
});
