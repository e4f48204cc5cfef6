// Two named clients on the embedded broker: subscribe, publish QoS 0/1/2 and retained, over 3.1.1 and 5.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry, memoryProfileStore, type ClientMessage, type ClientPacketEvent } from '../../main/clients/index.js';
import { startBroker, until, type TestBroker } from '../helpers/broker.js';
import { embeddedOf, profile } from './helpers.js';

let b: TestBroker;
let registry: ClientRegistry;
const messages = new Map<string, ClientMessage[]>();
const packets = new Map<string, ClientPacketEvent[]>();

beforeAll(async () => {
  b = await startBroker();
  registry = new ClientRegistry({ store: memoryProfileStore(), embedded: () => embeddedOf(b) });
  registry.on('message', (name, m) => messages.set(name, [...(messages.get(name) ?? []), m]));
  registry.on('packet', (name, p) => packets.set(name, [...(packets.get(name) ?? []), p]));
});
afterAll(async () => {
  await registry.closeAll();
  await b.close();
});

const received = (name: string) => messages.get(name) ?? [];
const waitMessages = (name: string, n: number) => until(() => received(name).length >= n, `${n} messages on ${name} (have ${received(name).length})`);

/** The QoS 2 exchange of one packet id, as (direction, cmd) pairs, in the order the client saw them. */
function flow(name: string, packetId: number, since: number): string[] {
  return (packets.get(name) ?? []).slice(since)
    .filter((e) => ['publish', 'pubrec', 'pubrel', 'pubcomp'].includes(e.packet.cmd) && (e.packet as { messageId?: number }).messageId === packetId)
    .map((e) => `${e.direction} ${e.packet.cmd}`);
}

const binary = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f, 0x00]);

describe.each([4, 5] as const)('named clients, MQTT %s', (version) => {
  const topic = `lab/v${version}`;
  let sub: string;
  let pub: string;

  it('creates two clients with the next free names and connects them to the embedded broker', async () => {
    sub = registry.nextName();
    registry.create(profile(sub, { protocolVersion: version }));
    pub = registry.nextName();
    registry.create(profile(pub, { protocolVersion: version }));
    expect([sub, pub]).toEqual(version === 4 ? ['myClient1', 'myClient2'] : ['myClient3', 'myClient4']);
    expect(registry.get(sub).info().state).toBe('disconnected');
    await Promise.all([registry.get(sub).connect(), registry.get(pub).connect()]);
    const info = registry.get(sub).info();
    expect(info).toMatchObject({ state: 'connected', connectedClientId: sub, url: b.url, messagesIn: 0, messagesOut: 0 });
    expect(info.lastError).toBeUndefined();
    expect(b.broker.getSession(sub)).toBeDefined();
  });

  it('subscribes: the granted QoS comes back and is recorded', async () => {
    const result = await registry.get(sub).subscribe({ filter: `${topic}/#`, qos: 2 });
    expect(result).toEqual({ granted: [2] });
    expect(registry.get(sub).info().subscriptions).toEqual([
      { filter: `${topic}/#`, qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0 },
    ]);
  });

  it('publishes QoS 0, 1 and 2: exact bytes, QoS, flags, packet ids', async () => {
    const client = registry.get(pub);
    const r0 = await client.publish({ topic: `${topic}/q0`, payload: { format: 'text', data: 'zero ✓' } });
    expect(r0).toEqual({ size: Buffer.byteLength('zero ✓') });
    const r1 = await client.publish({ topic: `${topic}/q1`, payload: { format: 'hex', data: binary.toString('hex') }, qos: 1 });
    expect(r1).toMatchObject({ size: binary.length, packetId: expect.any(Number) });
    expect(r1.reasonCode ?? 0).toBe(0);
    const since = { pub: packets.get(pub)?.length ?? 0, sub: packets.get(sub)?.length ?? 0 };
    const r2 = await client.publish({ topic: `${topic}/q2`, payload: { format: 'json', data: '{"n": 2}' }, qos: 2 });
    expect(r2).toMatchObject({ size: 8, packetId: expect.any(Number) });
    await waitMessages(sub, 3);
    const [m0, m1, m2] = received(sub);
    expect(m0).toMatchObject({ topic: `${topic}/q0`, qos: 0, retain: false, dup: false });
    expect(m0?.payload).toEqual(Buffer.from('zero ✓'));
    expect(m0?.packetId).toBeUndefined();
    expect(m1).toMatchObject({ topic: `${topic}/q1`, qos: 1, retain: false, dup: false, packetId: expect.any(Number) });
    expect(m1?.payload).toEqual(binary);
    expect(m2).toMatchObject({ topic: `${topic}/q2`, qos: 2, retain: false, dup: false });
    expect(m2?.payload.toString()).toBe('{"n": 2}');
    expect(m2?.time).toBeGreaterThan(Date.now() * 1000 - 60_000_000); // epoch µs

    // QoS 2 seen from both ends: PUBLISH → PUBREC ← PUBREL → PUBCOMP ←.
    expect(flow(pub, r2.packetId!, since.pub)).toEqual(['out publish', 'in pubrec', 'out pubrel', 'in pubcomp']);
    await until(() => flow(sub, m2!.packetId!, since.sub).length === 4, 'the subscriber\'s PUBCOMP');
    expect(flow(sub, m2!.packetId!, since.sub)).toEqual(['in publish', 'out pubrec', 'in pubrel', 'out pubcomp']);
    const times = (packets.get(pub) ?? []).map((e) => e.time);
    expect(times).toEqual([...times].sort((x, y) => x - y));

    await until(() => registry.get(sub).info().messagesIn === 3 && registry.get(pub).info().messagesOut === 3, 'message counters');
  });

  it('retained messages reach a later subscription with retain set', async () => {
    await registry.get(pub).publish({ topic: `${topic}/retained`, payload: { format: 'base64', data: 'AAEC' }, qos: 1, retain: true });
    await waitMessages(sub, 4);
    expect(received(sub)[3]).toMatchObject({ topic: `${topic}/retained`, retain: false }); // live delivery [MQTT-3.3.1-9]
    const granted = await registry.get(pub).subscribe({ filter: `${topic}/retained`, qos: 1 });
    expect(granted.granted).toEqual([1]);
    await waitMessages(pub, 1);
    expect(received(pub)[0]).toMatchObject({ topic: `${topic}/retained`, qos: 1, retain: true, dup: false });
    expect(received(pub)[0]?.payload).toEqual(Buffer.from([0, 1, 2]));
    await registry.get(pub).publish({ topic: `${topic}/retained`, payload: { format: 'text', data: '' }, retain: true });
  });

  it('unsubscribes and forgets the filter', async () => {
    const result = await registry.get(pub).unsubscribe(`${topic}/retained`);
    expect(result.reasonCodes).toEqual(version === 5 ? [0] : []);
    expect(registry.get(pub).info().subscriptions).toEqual([]);
  });

  it.runIf(version === 5)('MQTT 5 publish properties arrive as sent', async () => {
    const before = received(sub).length;
    await registry.get(pub).publish({
      topic: `${topic}/props`, qos: 1, payload: { format: 'text', data: 'p' },
      properties: {
        payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'text/plain', responseTopic: `${topic}/reply`,
        correlationData: '00ff10', userProperties: [['k', 'v1'], ['k', 'v2'], ['x', 'y']],
      },
    });
    await waitMessages(sub, before + 1);
    const m = received(sub)[before];
    expect(m?.properties).toMatchObject({
      payloadFormatIndicator: true, contentType: 'text/plain', responseTopic: `${topic}/reply`,
      correlationData: Buffer.from([0x00, 0xff, 0x10]), userProperties: { k: ['v1', 'v2'], x: 'y' },
    });
    expect(m?.properties?.messageExpiryInterval).toBeLessThanOrEqual(60);
  });

  it.runIf(version === 5)('MQTT 5 subscription options and identifiers; a topic alias; an empty topic needs one', async () => {
    const client = registry.get(pub);
    await client.subscribe({ filter: `${topic}/own`, qos: 1, options: { noLocal: true, subscriptionIdentifier: 42 } });
    await client.subscribe({ filter: `${topic}/alias`, qos: 0, options: { subscriptionIdentifier: 7 } });
    expect(client.info().subscriptions).toContainEqual({ filter: `${topic}/own`, qos: 1, noLocal: true, retainAsPublished: false, retainHandling: 0, subscriptionIdentifier: 42 });
    await client.publish({ topic: `${topic}/own`, payload: { format: 'text', data: 'not to me' } });
    await expect(client.publish({ topic: '', payload: { format: 'text', data: 'x' } })).rejects.toMatchObject({ code: 'invalid-input', issues: [{ path: 'topic' }] });
    await client.publish({ topic: `${topic}/alias`, payload: { format: 'text', data: 'a1' }, properties: { topicAlias: 1 } });
    await client.publish({ topic: '', payload: { format: 'text', data: 'a2' }, properties: { topicAlias: 1 } });
    await until(() => received(pub).filter((m) => m.topic === `${topic}/alias`).length === 2, 'both aliased messages');
    expect(received(pub).filter((m) => m.topic === `${topic}/own`)).toEqual([]);
    expect(received(pub).find((m) => m.topic === `${topic}/alias`)?.properties).toMatchObject({ subscriptionIdentifier: 7 });
  });

  it('disconnects cleanly; the next connect starts a clean session without the old subscriptions', async () => {
    const client = registry.get(sub);
    await client.disconnect();
    expect(client.info()).toMatchObject({ state: 'disconnected', subscriptions: [] });
    expect(client.info().lastError).toBeUndefined();
    const last = (packets.get(sub) ?? []).filter((e) => e.direction === 'out').at(-1);
    expect(last?.packet.cmd).toBe('disconnect');
    await expect(client.publish({ topic: 'x' })).rejects.toMatchObject({ code: 'not-connected' });
    await client.connect();
    expect(client.info().state).toBe('connected');
    await client.disconnect();
    await registry.get(pub).disconnect();
  });
});
