import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerEvents } from '../../main/broker/index.js';
import { collect, connect, end, startBroker, until, type TestBroker } from '../helpers/broker.js';

let b: TestBroker;
beforeAll(async () => { b = await startBroker({ sysInterval: 1 }); });
afterAll(() => b.close());

/** Records every broker event of the given kinds. */
function record<K extends keyof BrokerEvents>(...kinds: K[]) {
  const seen: Array<{ kind: K; event: BrokerEvents[K][0] }> = [];
  const listeners = kinds.map((kind) => {
    const listener = (event: BrokerEvents[K][0]) => seen.push({ kind, event });
    b.broker.events.on(kind, listener as never);
    return () => b.broker.events.off(kind, listener as never);
  });
  return { seen, stop: () => listeners.forEach((off) => off()) };
}

describe('11-events: the observability hook', () => {
  it('reports every packet in and out, decoded and with its bytes, only while someone listens', async () => {
    expect(b.broker.events.tracingPackets).toBe(false);
    const packets = record('packetIn', 'packetOut');
    expect(b.broker.events.tracingPackets).toBe(true);
    const client = await connect(b.url, { clientId: 'traced' });
    await client.publishAsync('ev/t', 'x', { qos: 2 });
    await client.endAsync(); // graceful: sends DISCONNECT
    await until(() => packets.seen.some((p) => p.event.packet.cmd === 'disconnect'), 'the DISCONNECT');
    packets.stop();
    expect(b.broker.events.tracingPackets).toBe(false);
    const flow = packets.seen.filter((p) => p.event.packet.cmd !== 'pingreq').map((p) => `${p.kind === 'packetIn' ? '>' : '<'}${p.event.packet.cmd}`);
    expect(flow).toEqual(['>connect', '<connack', '>publish', '<pubrec', '>pubrel', '<pubcomp', '>disconnect']);
    // The CONNECT comes before the client has an id; everything after carries it.
    expect(packets.seen.slice(1).every((p) => p.event.clientId === 'traced')).toBe(true);
    const publish = packets.seen.find((p) => p.event.packet.cmd === 'publish')!;
    expect(publish.event.bytes[0] >> 4).toBe(3);
    expect(publish.event.bytes.includes(Buffer.from('ev/t'))).toBe(true);
  });

  it('reports connects, sessions, subscriptions, retained changes and disconnects', async () => {
    const events = record('clientConnected', 'sessionChanged', 'subscriptionChanged', 'retainedChanged', 'clientDisconnected');
    const client = await connect(b.url, { clientId: 'observed' });
    await client.subscribeAsync('ev/#', { qos: 1 });
    await client.publishAsync('ev/kept', 'v', { qos: 1, retain: true });
    await client.publishAsync('ev/kept', '', { qos: 1, retain: true });
    await client.unsubscribeAsync('ev/#');
    await end(client);
    await until(() => events.seen.some((e) => e.kind === 'sessionChanged' && (e.event as { clientId: string }).clientId === 'observed'
      && (e.event as { change: string }).change === 'discarded'), 'the end of the session');
    events.stop();
    // Only this test's client (the one before may still be closing).
    const summary = events.seen.filter(({ event }) => (event as { clientId?: string }).clientId !== 'traced').map(({ kind, event }) => {
      const e = event as unknown as Record<string, unknown>;
      return `${kind}:${e.change ?? e.clientId}`;
    });
    expect(summary).toEqual([
      'sessionChanged:created', 'clientConnected:observed', 'subscriptionChanged:added',
      'retainedChanged:set', 'retainedChanged:cleared', 'subscriptionChanged:removed',
      'clientDisconnected:observed', 'sessionChanged:discarded',
    ]);
  });
});

describe('11-sys: $SYS/broker statistics', () => {
  it('publishes retained $SYS/broker/... topics like Mosquitto, refreshed every interval', async () => {
    const watcher = await connect(b.url, { clientId: 'sys-watcher' });
    const got = collect(watcher);
    await watcher.subscribeAsync('$SYS/broker/#');
    await until(() => got.messages.some((m) => m.topic === '$SYS/broker/clients/connected' && m.payload === '1' && !m.retain), 'a live update', 4000);
    const topics = new Set(got.messages.map((m) => m.topic));
    for (const topic of ['version', 'uptime', 'clients/connected', 'messages/received', 'messages/sent', 'bytes/received', 'bytes/sent', 'subscriptions/count']) {
      expect(topics.has(`$SYS/broker/${topic}`), topic).toBe(true);
    }
    expect(got.messages.find((m) => m.topic === '$SYS/broker/uptime')?.payload).toMatch(/^\d+ seconds$/);
    await end(watcher);
  });
});
