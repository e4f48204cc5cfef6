// Two named clients created and driven through the real WebSocket face; the traffic log then holds the
// exact packet sequences on both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import { connect, startBroker, type TestBroker } from '../helpers/broker.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';

let t: TestWorkbench;

beforeAll(async () => {
  t = await startWorkbench();
});
afterAll(() => t?.close());

/** Every record of the log, oldest first, through keyset pages of 50. */
async function allRecords(filter: { connections?: string[]; side?: 'broker' | 'client'; topic?: string } = {}): Promise<TrafficRecord[]> {
  const out: TrafficRecord[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await t.api.call('traffic.query', { ...filter, order: 'asc', limit: 50, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    if (page.next === null) return out;
    cursor = page.next;
  }
}

const seq = (records: TrafficRecord[]) => records.map((r) => `${r.direction} ${r.type}`);

describe('workbench: named clients over the WebSocket API', () => {
  it('creates myClient1 and myClient2 and connects them to the embedded broker', async () => {
    const one = await t.api.call('clients.create', { name: 'myClient1' });
    expect(one.profile).toMatchObject({ name: 'myClient1', protocolVersion: 4, transport: 'tcp', cleanStart: true, hasPassword: false });
    expect(one.state).toBe('disconnected');
    await t.api.call('clients.create', { name: 'myClient2', protocolVersion: 5 });
    const connected = await t.api.call('clients.connect', { name: 'myClient1' });
    expect(connected.state).toBe('connected');
    await t.api.call('clients.connect', { name: 'myClient2' });
    const list = await t.api.call('clients.list', {});
    expect(list.map((c) => [c.profile.name, c.state])).toEqual([['myClient1', 'connected'], ['myClient2', 'connected']]);
    const sessions = await t.api.call('broker.sessions', {});
    expect(sessions.filter((s) => s.connected).map((s) => s.clientId).sort()).toEqual(['myClient1', 'myClient2']);
  });

  it('QoS 0/1/2 and retained: delivered, and logged on both sides in order', async () => {
    const sub = await t.api.call('clients.subscribe', { name: 'myClient2', filter: 'lab/#', qos: 2 });
    expect(sub.granted).toEqual([2]);
    for (const qos of [0, 1, 2] as const) {
      await t.api.call('clients.publish', { name: 'myClient1', topic: `lab/q${qos}`, payload: { format: 'text', data: `hello ${qos}` }, qos });
    }
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/retained', payload: { format: 'hex', data: '00 ff 10' }, qos: 1, retain: true });

    // myClient2 received all four (client side, in).
    const received = await eventually(async () => {
      const page = await t.api.call('traffic.query', { connections: ['myClient2'], side: 'client', types: ['publish'], order: 'asc' });
      const ins = page.records.filter((r) => r.direction === 'in');
      return ins.length >= 4 && ins;
    }, 'myClient2 to receive 4 messages');
    expect(received.map((r) => [r.topic, r.qos, Buffer.from(r.payload!, 'base64').toString('hex')])).toEqual([
      ['lab/q0', 0, Buffer.from('hello 0').toString('hex')],
      ['lab/q1', 1, Buffer.from('hello 1').toString('hex')],
      ['lab/q2', 2, Buffer.from('hello 2').toString('hex')],
      ['lab/retained', 1, '00ff10'],
    ]);

    // The QoS 2 exchange, from all four points of view.
    const q2 = (records: TrafficRecord[], first: TrafficRecord) =>
      records.filter((r) => r.id >= first.id && (r.packetId === first.packetId) && ['publish', 'pubrec', 'pubrel', 'pubcomp'].includes(r.type)).slice(0, 4);
    await eventually(async () => (await allRecords({ connections: ['myClient2'], side: 'client' })).some((r) => r.type === 'pubcomp' && r.direction === 'out'), 'the last PUBCOMP');
    const c1 = await allRecords({ connections: ['myClient1'], side: 'client' });
    const c1pub = c1.find((r) => r.type === 'publish' && r.qos === 2)!;
    expect(seq(q2(c1, c1pub))).toEqual(['out publish', 'in pubrec', 'out pubrel', 'in pubcomp']);
    const b1 = await allRecords({ connections: ['myClient1'], side: 'broker' });
    const b1pub = b1.find((r) => r.type === 'publish' && r.qos === 2)!;
    expect(seq(q2(b1, b1pub))).toEqual(['in publish', 'out pubrec', 'in pubrel', 'out pubcomp']);
    const b2 = await allRecords({ connections: ['myClient2'], side: 'broker' });
    const b2pub = b2.find((r) => r.type === 'publish' && r.qos === 2)!;
    expect(seq(q2(b2, b2pub))).toEqual(['out publish', 'in pubrec', 'out pubrel', 'in pubcomp']);
    const c2 = await allRecords({ connections: ['myClient2'], side: 'client' });
    const c2pub = c2.find((r) => r.type === 'publish' && r.qos === 2)!;
    expect(seq(q2(c2, c2pub))).toEqual(['in publish', 'out pubrec', 'in pubrel', 'out pubcomp']);
    // The connection starts with CONNECT/CONNACK on both ends.
    expect(seq(b1.slice(0, 2))).toEqual(['in connect', 'out connack']);
    expect(seq(c1.slice(0, 2))).toEqual(['out connect', 'in connack']);

    // Bytes: the broker's are the wire's, the named client's are mqtt-packet's encoding of what mqtt.js
    // handled; both ends of each hop agree byte for byte.
    const heads = (records: TrafficRecord[]) => records.map((r) => r.head);
    expect(heads(q2(c1, c1pub))).toEqual(heads(q2(b1, b1pub)));
    expect(heads(q2(c2, c2pub))).toEqual(heads(q2(b2, b2pub)));
    expect(heads(c1.slice(0, 2))).toEqual(heads(b1.slice(0, 2)));
    const id = [c1pub.packetId! >> 8, c1pub.packetId! & 0xff];
    // PUBLISH QoS 2 (0x34), remaining length 17, topic "lab/q2", packet id; then the payload "hello 2".
    expect(Buffer.from(c1pub.head!, 'base64')).toEqual(Buffer.from([0x34, 17, 0, 6, ...Buffer.from('lab/q2'), ...id]));
    expect(Buffer.from(q2(b1, b1pub)[1].head!, 'base64')).toEqual(Buffer.from([0x50, 2, ...id])); // PUBREC
  });

  it('the retained table shows who published and when; delete one and a subtree', async () => {
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/deep/a', payload: { data: 'a' }, retain: true });
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/deep/b/c', payload: { data: 'c' }, retain: true, qos: 1 });
    const page = await eventually(async () => {
      const p = await t.api.call('retained.list', { filter: 'lab/#' });
      return p.total === 3 && p;
    }, 'three retained messages');
    expect(page.entries.map((e) => [e.topic, e.publisher, e.payloadSize])).toEqual([
      ['lab/deep/a', 'myClient1', 1], ['lab/deep/b/c', 'myClient1', 1], ['lab/retained', 'myClient1', 3],
    ]);
    expect(page.entries[2]!.receivedAt).toBeGreaterThan(Date.now() - 60_000);
    // Paging: one at a time walks the same list.
    const first = await t.api.call('retained.list', { filter: 'lab/#', limit: 2 });
    const second = await t.api.call('retained.list', { filter: 'lab/#', limit: 2, cursor: first.next! });
    expect([...first.entries, ...second.entries].map((e) => e.topic)).toEqual(page.entries.map((e) => e.topic));
    expect(second.next).toBeNull();

    expect(await t.api.call('retained.delete', { topic: 'lab/retained' })).toEqual({ deleted: true });
    expect(await t.api.call('retained.delete', { topic: 'lab/retained' })).toEqual({ deleted: false });
    expect(await t.api.call('retained.deleteTree', { prefix: 'lab/deep' })).toEqual({ deleted: 2 });
    expect((await t.api.call('retained.list', {})).total).toBe(0);
  });

  it('events arrive in batches: client state, sessions, packets', async () => {
    const before = t.batches.length;
    await t.api.call('clients.disconnect', { name: 'myClient1' });
    await eventually(() => t.batches.slice(before).some((b) => b.events.some((e) => e.type === 'client' && e.client.profile.name === 'myClient1' && e.client.state === 'disconnected')), 'a client event');
    // The broker reads the DISCONNECT a moment after the client sent it: it may come a batch later.
    await eventually(() => t.batches.some((b) => b.events.some((e) => e.type === 'packet' && e.record.type === 'disconnect' && e.record.side === 'broker')), 'the broker-side DISCONNECT');
    const events = t.batches.flatMap((b) => b.events);
    expect(events.some((e) => e.type === 'session' && e.session.clientId === 'myClient2' && e.session.connected)).toBe(true);
    const seqs = t.batches.map((b) => b.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('broker status and session detail', async () => {
    const status = await t.api.call('broker.status', {});
    expect(status.listeners.map((l) => l.protocol).sort()).toEqual(['tcp', 'ws']);
    expect(status.clientsConnected).toBe(1);
    expect(status.auth.anonymous).toBe('loopback');
    const detail = await t.api.call('broker.session', { clientId: 'myClient2' });
    expect(detail.subscriptions.map((s) => [s.filter, s.qos])).toEqual([['lab/#', 2]]);
    expect(detail.session).toMatchObject({ connected: true, protocolVersion: 5, keepAlive: 60 });
  });

  it('clients.update changes only the fields given; clone copies the rest', async () => {
    const updated = await t.api.call('clients.update', { name: 'myClient2', profile: { keepAlive: 15 } });
    expect(updated.profile).toMatchObject({ name: 'myClient2', keepAlive: 15, protocolVersion: 5 });
    const withHost = await t.api.call('clients.update', { name: 'myClient2', profile: { host: 'example.invalid', port: 1884, keepAlive: null } });
    expect(withHost.profile).toMatchObject({ host: 'example.invalid', port: 1884, keepAlive: 60, protocolVersion: 5 });
    const back = await t.api.call('clients.update', { name: 'myClient2', profile: { host: null, port: null, keepAlive: 15 } });
    expect(back.profile.host).toBeUndefined();
    expect(back.profile.port).toBeUndefined();
    const clone = await t.api.call('clients.clone', { name: 'myClient2' });
    expect(clone.profile).toMatchObject({ keepAlive: 15, protocolVersion: 5 });
    expect(clone.profile.name).not.toBe('myClient2');
    expect(clone.state).toBe('disconnected');
  });

  it('an offline persistent session: its queued messages are visible', async () => {
    await t.api.call('clients.create', { name: 'sleeper', cleanStart: false });
    await t.api.call('clients.connect', { name: 'sleeper' });
    await t.api.call('clients.subscribe', { name: 'sleeper', filter: 'mail/#', qos: 1 });
    await t.api.call('clients.disconnect', { name: 'sleeper' });
    await t.api.call('clients.connect', { name: 'myClient1' });
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'mail/1', payload: { data: 'you have mail' }, qos: 1 });
    const detail = await eventually(async () => {
      const d = await t.api.call('broker.session', { clientId: 'sleeper' });
      return d.messagesTotal === 1 && d;
    }, 'one queued message for sleeper');
    expect(detail.session).toMatchObject({ connected: false, persistent: true, queued: 1, inflight: 0 });
    expect(detail.session.disconnectedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(detail.messages).toMatchObject([{ topic: 'mail/1', qos: 1, state: 'queued', publisher: 'myClient1', payloadSize: 13 }]);
    expect(Buffer.from(detail.messages[0]!.payload, 'base64').toString()).toBe('you have mail');
    const sessions = await t.api.call('broker.sessions', {});
    expect(sessions.find((x) => x.clientId === 'sleeper')).toMatchObject({ connected: false, queued: 1, subscriptions: 1 });
  });
});

describe('workbench: wills', () => {
  it('a will delivery is marked with whose will it is; an ordinary PUBLISH on the same topic is not', async () => {
    await t.api.call('clients.create', { name: 'watcher' });
    await t.api.call('clients.connect', { name: 'watcher' });
    await t.api.call('clients.subscribe', { name: 'watcher', filter: 'plant/+/status', qos: 1 });
    const device = await connect(t.workbench.broker.addresses[0]!.url, {
      clientId: 'pump-7', will: { topic: 'plant/pump-7/status', payload: Buffer.from('lost'), qos: 1, retain: false },
    });
    await new Promise<void>((resolve) => device.publish('plant/pump-7/status', 'running', { qos: 1 }, () => resolve()));
    device.stream.destroy(); // gone without a DISCONNECT: the broker publishes the will
    const toWatcher = await eventually(async () => {
      const page = await t.api.call('traffic.query', { side: 'broker', topic: 'plant/#', types: ['publish'], order: 'asc' });
      const out = page.records.filter((r) => r.direction === 'out');
      return out.length === 2 && out;
    }, 'the PUBLISH and the will, delivered to watcher');
    expect(toWatcher.map((r) => [Buffer.from(r.payload!, 'base64').toString(), r.willOf])).toEqual([['running', null], ['lost', 'pump-7']]);
    device.end(true);
  });
});

describe('workbench: a named client on an outside broker', () => {
  let outside: TestBroker;
  beforeAll(async () => {
    outside = await startBroker();
  });
  afterAll(() => outside?.close());

  it('connects by host and port, publishes and receives; only the client side is logged', async () => {
    await t.api.call('clients.create', { name: 'field', host: '127.0.0.1', port: outside.port, protocolVersion: 5 });
    const info = await t.api.call('clients.connect', { name: 'field' });
    expect(info.url).toContain(`:${outside.port}`);
    await t.api.call('clients.subscribe', { name: 'field', filter: 'site/+/temp', qos: 1 });
    await t.api.call('clients.publish', { name: 'field', topic: 'site/7/temp', payload: { format: 'json', data: '{"c": 21.5}' }, qos: 1 });
    const got = await eventually(async () => {
      const page = await t.api.call('traffic.query', { connections: ['field'], topic: 'site/#', types: ['publish'] });
      return page.records.find((r) => r.direction === 'in');
    }, 'the message back from the outside broker');
    expect(Buffer.from(got.payload!, 'base64').toString()).toBe('{"c": 21.5}');
    const brokerSide = await t.api.call('traffic.query', { connections: ['field'], side: 'broker' });
    expect(brokerSide.records).toEqual([]);
    expect(outside.broker.getSession('field')).toBeDefined();
  });
});
