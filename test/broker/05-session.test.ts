import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectCollecting, end, sleep, startBroker, until, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw.js';

let b: TestBroker;
beforeAll(async () => { b = await startBroker({ limits: { maxQueuedMessages: 5 } }); });
afterAll(() => b.close());

describe('05-session', () => {
  it('a persistent session keeps subscriptions and queues QoS 1/2 (not QoS 0) while offline; CONNACK session present', async () => {
    const first = await connect(b.url, { clientId: 'persist', clean: false });
    expect(first.connected).toBe(true);
    await first.subscribeAsync('ps/#', { qos: 2 });
    await end(first);
    const pub = await connect(b.url, { clientId: 'ps-pub' });
    await pub.publishAsync('ps/0', 'zero', { qos: 0 });
    await pub.publishAsync('ps/1', 'one', { qos: 1 });
    await pub.publishAsync('ps/2', 'two', { qos: 2 });
    expect(b.broker.getSession('persist')?.queuedCount).toBe(2);
    const { client: again, got, connack } = await connectCollecting(b.url, { clientId: 'persist', clean: false });
    expect(connack.sessionPresent).toBe(true);
    const messages = await got.count(2);
    expect(messages.map((m) => `${m.payload}@${m.qos}`)).toEqual(['one@1', 'two@2']);
    await end(again, pub);
  });

  it('a clean session discards the old one: no subscriptions, no queue, session present false', async () => {
    const first = await connect(b.url, { clientId: 'to-clean', clean: false });
    await first.subscribeAsync('tc/#', { qos: 1 });
    await end(first);
    const raw = await RawClient.open(b.port);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'to-clean', clean: true, keepalive: 30 });
    expect((await raw.expect('connack')).sessionPresent).toBe(false);
    expect(b.broker.getSession('to-clean')?.subscriptions.size).toBe(0);
    raw.destroy();
    await until(() => b.broker.getSession('to-clean') === undefined, 'the clean session to end');
  });

  it('[MQTT-4.4.0-1] unacknowledged messages are resent with DUP on reconnect, in order', async () => {
    const raw = await RawClient.open(b.port);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'dup', clean: false, keepalive: 30 });
    await raw.expect('connack');
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'dup/#', qos: 2 }] });
    await raw.expect('suback');
    const pub = await connect(b.url, { clientId: 'dup-pub' });
    await pub.publishAsync('dup/1', 'a', { qos: 1 });
    await pub.publishAsync('dup/2', 'b', { qos: 2 });
    const first = await raw.expect('publish');
    const second = await raw.expect('publish');
    raw.send({ cmd: 'pubrec', messageId: second.messageId }); // QoS 2 half done
    await raw.expect('pubrel');
    raw.destroy(); // never acknowledged the QoS 1, never completed the QoS 2
    await until(() => !b.broker.getSession('dup')?.link, 'the broker to see the disconnect');
    const back = await RawClient.open(b.port);
    back.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'dup', clean: false, keepalive: 30 });
    expect((await back.expect('connack')).sessionPresent).toBe(true);
    const resent = await back.expect('publish');
    expect(resent).toMatchObject({ dup: true, messageId: first.messageId, topic: 'dup/1' });
    expect((await back.expect('pubrel')).messageId).toBe(second.messageId);
    back.destroy();
    await end(pub);
  });

  it('a slow or offline client has a bounded queue: beyond the limit messages are dropped and counted', async () => {
    const first = await connect(b.url, { clientId: 'bounded', clean: false });
    await first.subscribeAsync('bq', { qos: 1 });
    await end(first);
    const dropped: string[] = [];
    b.broker.events.on('messageDropped', (e) => { if (e.clientId === 'bounded') dropped.push(e.reason); });
    const pub = await connect(b.url, { clientId: 'bq-pub' });
    for (let i = 0; i < 20; i++) await pub.publishAsync('bq', String(i), { qos: 1 });
    expect(b.broker.getSession('bounded')?.queuedCount).toBe(5);
    expect(dropped).toHaveLength(15);
    expect(dropped[0]).toBe('queue full');
    await end(pub);
  });

  it('MQTT 5 session expiry: the session outlives the connection for the interval, then ends', async () => {
    const client = await connect(b.url, { clientId: 'expires', protocolVersion: 5, clean: true, properties: { sessionExpiryInterval: 1 } });
    await client.subscribeAsync('ex', { qos: 1 });
    await end(client);
    await sleep(300);
    expect(b.broker.getSession('expires')).toBeDefined();
    await until(() => b.broker.getSession('expires') === undefined, 'the session to expire', 3000);
  });

  it('MQTT 5 session expiry 0 (the default) ends the session at disconnect', async () => {
    const client = await connect(b.url, { clientId: 'gone-at-once', protocolVersion: 5, clean: false });
    await client.subscribeAsync('g', { qos: 1 });
    await end(client);
    await until(() => b.broker.getSession('gone-at-once') === undefined, 'the session to end');
  });
});
