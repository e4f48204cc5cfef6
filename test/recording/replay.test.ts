// Replay of a real recording: named clients (3.1.1 and 5) and an outside device exchange QoS 0/1/2,
// retained and MQTT 5 messages through a real workbench; the traffic log's records are then replayed
// into a fresh broker, where a subscriber on '#' must receive the same messages in the same order.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import { recordedMessages, type ReplayMessage } from '../../main/recording/replay-messages.js';
import { mqttPublisher } from '../../main/recording/replay-mqtt.js';
import { startReplay, type ReplayOptions } from '../../main/recording/replay.js';
import { retainedFirstFrom } from '../../main/recording/state-at.js';
import type { RetainedEntry } from '../../shared/contract/broker.js';
import { connect, end, startBroker, until, withTimeout, type TestBroker } from '../helpers/broker.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';

let t: TestWorkbench;
let outside: TestBroker;
let records: TrafficRecord[];
/** The live retained table just before the device's first message (the replay-from-a-cursor test's state). */
let retainedBeforeDevice: RetainedEntry[];

interface Got {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  user?: unknown;
}

/** What the recording session published, in order: [topic, payload hex, qos, retain, user properties]. */
const published: Got[] = [
  { topic: 'lab/q0', payload: hex('hello 0'), qos: 0, retain: false },
  { topic: 'lab/q1', payload: hex('hello 1'), qos: 1, retain: false },
  { topic: 'lab/q2', payload: hex('hello 2'), qos: 2, retain: false },
  { topic: 'lab/retained', payload: '00ff10', qos: 1, retain: true },
  { topic: 'lab/v5', payload: '0001feff80', qos: 1, retain: false, user: { unit: ['C', 'F'], src: 'x' } },
  { topic: 'lab/v5/state', payload: 'c0ffee', qos: 2, retain: true, user: { state: 'on' } },
  { topic: 'dev/alias/topic', payload: hex('a1'), qos: 1, retain: false },
  { topic: 'dev/alias/topic', payload: hex('a2'), qos: 1, retain: false },
  { topic: 'dev/plain', payload: hex('p'), qos: 0, retain: false },
  { topic: 'dev/last', payload: hex('fence'), qos: 1, retain: false },
  { topic: 'lab/retained', payload: '', qos: 1, retain: true },
];

function hex(text: string): string {
  return Buffer.from(text).toString('hex');
}

/** Every record of the log, oldest first, with whole payloads. */
async function allRecords(): Promise<TrafficRecord[]> {
  const out: TrafficRecord[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await t.api.call('traffic.query', { order: 'asc', limit: 500, payloadBytes: 1_048_576, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    if (page.next === null) return out;
    cursor = page.next;
  }
}

const publishAsync = (client: MqttClient, topic: string, payload: string, opts: Parameters<MqttClient['publishAsync']>[2]) =>
  withTimeout(client.publishAsync(topic, payload, opts), 5000, `publish to '${topic}'`);

beforeAll(async () => {
  t = await startWorkbench();
  outside = await startBroker();
  const api = t.api;
  await api.call('clients.create', { name: 'myClient1' });
  await api.call('clients.create', { name: 'myClient2', protocolVersion: 5 });
  await api.call('clients.connect', { name: 'myClient1' });
  await api.call('clients.connect', { name: 'myClient2' });
  await api.call('clients.subscribe', { name: 'myClient2', filter: 'lab/#', qos: 2 });
  // A named client recording an outside broker (field use): only its side is logged.
  await api.call('clients.create', { name: 'field', host: '127.0.0.1', port: outside.port, protocolVersion: 5 });
  await api.call('clients.connect', { name: 'field' });
  await api.call('clients.subscribe', { name: 'field', filter: '#', qos: 2 });

  for (const qos of [0, 1, 2] as const) {
    await api.call('clients.publish', { name: 'myClient1', topic: `lab/q${qos}`, payload: { data: `hello ${qos}` }, qos });
  }
  await api.call('clients.publish', { name: 'myClient1', topic: 'lab/retained', payload: { format: 'hex', data: '00 ff 10' }, qos: 1, retain: true });
  await api.call('clients.publish', {
    name: 'myClient2', topic: 'lab/v5', payload: { format: 'hex', data: '0001feff80' }, qos: 1,
    properties: { userProperties: [['unit', 'C'], ['unit', 'F'], ['src', 'x']], contentType: 'application/octet-stream', correlationData: 'beef' },
  });
  await api.call('clients.publish', {
    name: 'myClient2', topic: 'lab/v5/state', payload: { format: 'hex', data: 'c0ffee' }, qos: 2, retain: true,
    properties: { userProperties: [['state', 'on']] },
  });
  retainedBeforeDevice = (await api.call('retained.list', { limit: 1000, payloadBytes: 1_048_576 })).entries;
  // An outside device, MQTT 5 with a topic alias (the second PUBLISH carries no topic on the wire).
  const device = await connect(t.workbench.broker.addresses[0]!.url, { clientId: 'device-9', protocolVersion: 5 });
  await publishAsync(device, 'dev/alias/topic', 'a1', { qos: 1, properties: { topicAlias: 1 } });
  await publishAsync(device, '', 'a2', { qos: 1, properties: { topicAlias: 1 } });
  await publishAsync(device, 'dev/plain', 'p', { qos: 0 });
  await publishAsync(device, 'dev/last', 'fence', { qos: 1 });
  await end(device);
  await api.call('clients.publish', { name: 'myClient1', topic: 'lab/retained', payload: { data: '' }, qos: 1, retain: true });

  // The outside broker's traffic, seen only by 'field'.
  const remote = await connect(outside.url, { clientId: 'remote-sensor' });
  for (const [i, qos] of ([0, 1, 2] as const).entries()) await publishAsync(remote, `site/s${i}`, `v${i}`, { qos });
  await end(remote);

  await eventually(async () => {
    const page = await api.call('traffic.query', { side: 'client', connections: ['field'], types: ['publish'], order: 'asc' });
    return page.records.filter((r) => r.direction === 'in').length >= 3;
  }, "field's three messages from the outside broker");
  await eventually(async () => {
    const page = await api.call('traffic.query', { side: 'broker', types: ['publish'], order: 'asc', limit: 1000 });
    return page.records.filter((r) => r.direction === 'in').length >= published.length;
  }, 'every PUBLISH to be in the log');
  records = await allRecords();
}, 30_000);

afterAll(async () => {
  await t?.close();
  await outside?.close();
});

/** A subscriber on '#' (retain as published, so retained messages show it), attached before anything is replayed. */
async function watch(url: string, clientId = 'watcher') {
  const client = await connect(url, { clientId, protocolVersion: 5 });
  const got: Got[] = [];
  client.on('message', (topic, payload, packet) => {
    const user = packet.properties?.userProperties;
    got.push({ topic, payload: payload.toString('hex'), qos: packet.qos, retain: packet.retain, ...(user ? { user } : {}) });
  });
  await withTimeout(client.subscribeAsync('#', { qos: 2, rap: true }), 5000, 'SUBACK');
  return { client, got };
}

/** Replays `messages` into a fresh broker and returns what a subscriber there received, once all of it arrived. */
async function replayIntoFreshBroker(messages: ReplayMessage[], options: ReplayOptions, expected = messages.length): Promise<Got[]> {
  const target = await startBroker();
  try {
    const { client: subscriber, got } = await watch(target.url);
    const publisher = await connect(target.url, { clientId: 'replayer', protocolVersion: 5 });
    const replay = startReplay(messages, mqttPublisher(publisher), options);
    const result = await withTimeout(replay.finished, 15_000, 'the replay to finish');
    expect(result).toMatchObject({ state: 'done', published: messages.filter((m) => m.timeUs >= (options.startAtUs ?? 0)).length });
    expect(result.error).toBeUndefined();
    await until(() => got.length >= expected, `${expected} replayed messages (have ${got.length})`, 5000);
    await end(subscriber, publisher);
    return got;
  } finally {
    await target.close();
  }
}

describe('replay: a real recording into a fresh broker', () => {
  it('the recorded messages are the PUBLISHes the broker received, in order; deliveries and retransmissions are not', () => {
    const messages = recordedMessages(records);
    expect(messages.map((m) => [m.topic, m.payload.toString('hex'), m.qos, m.retain])).toEqual(
      published.map((p) => [p.topic, p.payload, p.qos, p.retain]));
    expect(messages.map((m) => m.connection)).toEqual([
      ...Array(4).fill('myClient1'), 'myClient2', 'myClient2', ...Array(4).fill('device-9'), 'myClient1',
    ]);
    // Properties as a publish takes them again: correlation data as bytes, no topic alias.
    expect(messages[4]!.properties).toEqual({
      userProperties: { unit: ['C', 'F'], src: 'x' }, contentType: 'application/octet-stream', correlationData: Buffer.from('beef', 'hex'),
    });
    expect(messages[7]!.properties).toBeUndefined();
  });

  it('a subscriber on the fresh broker receives the same messages in the same order (topic, bytes, QoS, retain, user properties)', async () => {
    const got = await replayIntoFreshBroker(recordedMessages(records), { speed: 50 });
    expect(got).toEqual(published);
  });

  it('is deterministic: at 50× and at max speed, the same sequence', async () => {
    const messages = recordedMessages(records);
    const at50 = await replayIntoFreshBroker(messages, { speed: 50 });
    const atMax = await replayIntoFreshBroker(messages, { speed: 'max' });
    const at50again = await replayIntoFreshBroker(messages, { speed: 50 });
    expect(atMax).toEqual(at50);
    expect(at50again).toEqual(at50);
    expect(at50).toEqual(published);
  });

  it('filters by connection and by topic filter', async () => {
    const byDevice = await replayIntoFreshBroker(recordedMessages(records, { connections: ['device-9'] }), { speed: 'max' });
    expect(byDevice.map((g) => g.payload)).toEqual([hex('a1'), hex('a2'), hex('p'), hex('fence')]);
    const byTopic = await replayIntoFreshBroker(recordedMessages(records, { topic: 'lab/+' }), { speed: 'max' });
    expect(byTopic.map((g) => g.topic)).toEqual(['lab/q0', 'lab/q1', 'lab/q2', 'lab/retained', 'lab/v5', 'lab/retained']);
    const both = recordedMessages(records, { connections: ['myClient2'], topic: 'lab/v5/#' });
    expect(both.map((m) => m.topic)).toEqual(['lab/v5', 'lab/v5/state']);
  });

  it('a recording of an outside broker (client side, through field on #) replays what field received', async () => {
    const messages = recordedMessages(records, { source: 'client', connections: ['field'] });
    const got = await replayIntoFreshBroker(messages, { speed: 'max' });
    expect(got).toEqual([
      { topic: 'site/s0', payload: hex('v0'), qos: 0, retain: false },
      { topic: 'site/s1', payload: hex('v1'), qos: 1, retain: false },
      { topic: 'site/s2', payload: hex('v2'), qos: 2, retain: false },
    ]);
  });

  it('from a cursor, with the retained state as of the cursor first: a late subscriber sees it too', async () => {
    const messages = recordedMessages(records);
    const cursorUs = messages[6]!.timeUs - 1; // just before the device's first message
    const retained = retainedBeforeDevice;
    expect(retained.map((e) => e.topic)).toEqual(['lab/retained', 'lab/v5/state']);
    const after = published.slice(6);

    const target = await startBroker();
    try {
      const { client: early, got } = await watch(target.url);
      const publisher = await connect(target.url, { clientId: 'replayer', protocolVersion: 5 });
      const progress: number[] = [];
      const replay = startReplay(messages, mqttPublisher(publisher), {
        speed: 'max', startAtUs: cursorUs, retainedFirst: retainedFirstFrom(retained), onProgress: (p) => progress.push(p.retainedPublished),
      });
      const result = await withTimeout(replay.finished, 15_000, 'the replay to finish');
      expect(result).toMatchObject({ state: 'done', published: after.length, total: after.length, retainedPublished: 2 });
      await until(() => got.length >= 2 + after.length, 'retained state and the messages after the cursor');
      // Retained state first, as it stood at the cursor, then only what came after the cursor.
      expect(got).toEqual([
        { topic: 'lab/retained', payload: '00ff10', qos: 1, retain: true },
        { topic: 'lab/v5/state', payload: 'c0ffee', qos: 2, retain: true, user: { state: 'on' } },
        ...after,
      ]);
      // The last message of the replay deleted lab/retained; lab/v5/state stays for a late subscriber.
      const late = await watch(target.url, 'late');
      await until(() => late.got.length >= 1, 'the retained message for a late subscriber');
      expect(late.got).toEqual([{ topic: 'lab/v5/state', payload: 'c0ffee', qos: 2, retain: true, user: { state: 'on' } }]);
      await end(early, publisher, late.client);
    } finally {
      await target.close();
    }
  });
});
