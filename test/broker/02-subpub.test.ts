import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, end, sleep, startBroker, until, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw.js';

let b: TestBroker;
beforeAll(async () => { b = await startBroker(); });
afterAll(() => b.close());

describe('02-subpub', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion}: QoS 0, 1 and 2 arrive once each, at min(publish QoS, subscription QoS)`, async () => {
      const sub = await connect(b.url, { clientId: `sub-${protocolVersion}`, protocolVersion });
      const pub = await connect(b.url, { clientId: `pub-${protocolVersion}`, protocolVersion });
      const got = collect(sub);
      await sub.subscribeAsync({ [`q/${protocolVersion}/high`]: { qos: 2 }, [`q/${protocolVersion}/low`]: { qos: 1 } });
      for (const qos of [0, 1, 2] as const) {
        await pub.publishAsync(`q/${protocolVersion}/high`, `h${qos}`, { qos });
        await pub.publishAsync(`q/${protocolVersion}/low`, `l${qos}`, { qos });
      }
      const messages = await got.count(6);
      await sleep(100);
      expect(messages.map((m) => `${m.payload}@${m.qos}`).sort()).toEqual(['h0@0', 'h1@1', 'h2@2', 'l0@0', 'l1@1', 'l2@1']);
      await end(sub, pub);
    });
  }

  it('[MQTT-3.3.5-1] overlapping subscriptions deliver one copy at the highest QoS', async () => {
    const sub = await connect(b.url, { clientId: 'overlap' });
    const got = collect(sub);
    await sub.subscribeAsync({ 'o/#': { qos: 0 }, 'o/+/c': { qos: 2 }, 'o/b/c': { qos: 1 } });
    const pub = await connect(b.url, { clientId: 'overlap-pub' });
    await pub.publishAsync('o/b/c', 'once', { qos: 2 });
    await got.count(1);
    await sleep(200);
    expect(got.messages).toHaveLength(1);
    expect(got.messages[0].qos).toBe(2);
    await end(sub, pub);
  });

  it('wildcards: + one level, # many levels and the parent, $-topics not matched at the first level', async () => {
    const sub = await connect(b.url, { clientId: 'wild' });
    const got = collect(sub);
    await sub.subscribeAsync(['w/+/t', 'x/#', '+/dollar', '#']);
    const pub = await connect(b.url, { clientId: 'wild-pub' });
    for (const topic of ['w/a/t', 'w/a/b/t', 'x', 'x/y/z', '$w/dollar']) await pub.publishAsync(topic, topic, { qos: 1 });
    await pub.publishAsync('done', 'done', { qos: 1 });
    await got.count(5);
    await sleep(100);
    // '#' alone also matches all but the $ topic; each arrives once.
    expect(got.messages.map((m) => m.topic).sort()).toEqual(['done', 'w/a/b/t', 'w/a/t', 'x', 'x/y/z']);
    await end(sub, pub);
  });

  it('UNSUBSCRIBE stops delivery; MQTT 5 UNSUBACK says 0x11 for a filter that had no subscription', async () => {
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('unsub', 5);
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'u/1', qos: 0 }] }, 5);
    await raw.expect('suback');
    raw.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['u/1', 'u/never'] }, 5);
    expect((await raw.expect('unsuback')).granted).toEqual([0x00, 0x11]);
    const pub = await connect(b.url, { clientId: 'unsub-pub' });
    await pub.publishAsync('u/1', 'x', { qos: 1 });
    await sleep(200);
    expect(raw.packets.filter((p) => p.cmd === 'publish')).toHaveLength(0);
    raw.destroy();
    await end(pub);
  });

  it('invalid filters get a failure code per filter, valid ones in the same SUBSCRIBE are granted', async () => {
    const raw4 = await RawClient.open(b.port, 4);
    await raw4.handshake('badfilter4');
    raw4.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#/b', qos: 1 }, { topic: 'ok', qos: 1 }] });
    expect((await raw4.expect('suback')).granted).toEqual([0x80, 1]);
    const raw5 = await RawClient.open(b.port, 5);
    await raw5.handshake('badfilter5', 5);
    raw5.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a+', qos: 1 }, { topic: 'ok', qos: 2 }] }, 5);
    expect((await raw5.expect('suback')).granted).toEqual([0x8f, 2]);
    raw4.destroy();
    raw5.destroy();
  });

  it('QoS 2 exactly once: a resent PUBLISH (DUP) before PUBREL is not delivered twice', async () => {
    const sub = await connect(b.url, { clientId: 'q2-sub' });
    const got = collect(sub);
    await sub.subscribeAsync('q2/once', { qos: 2 });
    const raw = await RawClient.open(b.port);
    await raw.handshake('q2-raw');
    raw.send({ cmd: 'publish', topic: 'q2/once', payload: Buffer.from('1'), qos: 2, messageId: 7, retain: false, dup: false });
    expect((await raw.expect('pubrec')).messageId).toBe(7);
    raw.send({ cmd: 'publish', topic: 'q2/once', payload: Buffer.from('1'), qos: 2, messageId: 7, retain: false, dup: true });
    expect((await raw.expect('pubrec')).messageId).toBe(7);
    raw.send({ cmd: 'pubrel', messageId: 7 });
    expect((await raw.expect('pubcomp')).messageId).toBe(7);
    await got.count(1);
    await sleep(200);
    expect(got.messages).toHaveLength(1);
    raw.destroy();
    await end(sub);
  });

  it('outgoing QoS 1/2 flows: the broker waits for PUBACK / PUBREC-PUBREL-PUBCOMP from a raw subscriber', async () => {
    const raw = await RawClient.open(b.port);
    await raw.handshake('flows');
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'f/#', qos: 2 }] });
    await raw.expect('suback');
    const pub = await connect(b.url, { clientId: 'flows-pub' });
    await pub.publishAsync('f/1', 'one', { qos: 1 });
    const p1 = await raw.expect('publish');
    expect(p1.qos).toBe(1);
    raw.send({ cmd: 'puback', messageId: p1.messageId });
    await pub.publishAsync('f/2', 'two', { qos: 2 });
    const p2 = await raw.expect('publish');
    expect(p2.qos).toBe(2);
    raw.send({ cmd: 'pubrec', messageId: p2.messageId });
    expect((await raw.expect('pubrel')).messageId).toBe(p2.messageId);
    raw.send({ cmd: 'pubcomp', messageId: p2.messageId });
    await until(() => b.broker.getSession('flows')?.inflight.size === 0, 'the in-flight window to empty');
    raw.destroy();
    await end(pub);
  });
});
