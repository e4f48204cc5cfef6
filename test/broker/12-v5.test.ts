import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, connectCollecting, end, sleep, startBroker, until, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw.js';

let b: TestBroker;
beforeAll(async () => { b = await startBroker(); });
afterAll(() => b.close());

const v5 = { protocolVersion: 5 as const };

describe('12-v5-properties', () => {
  it('passes user properties and request/response properties through', async () => {
    const sub = await connect(b.url, { clientId: 'props-sub', ...v5 });
    const got = collect(sub);
    await sub.subscribeAsync('req/+', { qos: 1 });
    const pub = await connect(b.url, { clientId: 'props-pub', ...v5 });
    await pub.publishAsync('req/1', '{"a":1}', {
      qos: 1,
      properties: {
        userProperties: { site: 'cell1', step: ['1', '2'] }, responseTopic: 'resp/1', correlationData: Buffer.from([1, 2, 3]),
        contentType: 'application/json', payloadFormatIndicator: true,
      },
    });
    const [message] = await got.count(1);
    expect(message.properties).toMatchObject({
      userProperties: { site: 'cell1', step: ['1', '2'] }, responseTopic: 'resp/1', contentType: 'application/json', payloadFormatIndicator: true,
    });
    expect(Buffer.from(message.properties!.correlationData as Buffer)).toEqual(Buffer.from([1, 2, 3]));
    await end(sub, pub);
  });

  it('message expiry: the receiver sees the time left; an expired queued message is not delivered', async () => {
    const offline = await connect(b.url, { clientId: 'expiry-sub', ...v5, clean: false, properties: { sessionExpiryInterval: 60 } });
    await offline.subscribeAsync('exp/#', { qos: 1 });
    await end(offline);
    const pub = await connect(b.url, { clientId: 'expiry-pub', ...v5 });
    await pub.publishAsync('exp/short', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('exp/long', 'long', { qos: 1, properties: { messageExpiryInterval: 100 } });
    await sleep(1200);
    const { client: back, got } = await connectCollecting(b.url, { clientId: 'expiry-sub', ...v5, clean: false, properties: { sessionExpiryInterval: 60 } });
    const [message] = await got.count(1);
    await sleep(150);
    expect(got.messages).toHaveLength(1);
    expect(message.topic).toBe('exp/long');
    expect(message.properties?.messageExpiryInterval).toBeGreaterThan(95);
    expect(message.properties?.messageExpiryInterval).toBeLessThanOrEqual(99);
    await end(back, pub);
  });

  it('topic aliases from the client: set, then used with an empty topic', async () => {
    const sub = await connect(b.url, { clientId: 'alias-sub', ...v5 });
    const got = collect(sub);
    await sub.subscribeAsync('alias/long/topic/name', { qos: 1 });
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('alias-raw', 5);
    raw.send({ cmd: 'publish', topic: 'alias/long/topic/name', payload: Buffer.from('1'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } }, 5);
    raw.send({ cmd: 'publish', topic: '', payload: Buffer.from('2'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } }, 5);
    const messages = await got.count(2);
    expect(messages.map((m) => `${m.topic}=${m.payload}`)).toEqual(['alias/long/topic/name=1', 'alias/long/topic/name=2']);
    raw.destroy();
    await end(sub);
  });

  it('topic aliases to the client, when it allows them: the second message uses the alias alone', async () => {
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('alias-in', 5, { properties: { topicAliasMaximum: 2 } });
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ta/#', qos: 0 }] }, 5);
    await raw.expect('suback');
    const pub = await connect(b.url, { clientId: 'alias-out-pub' });
    await pub.publishAsync('ta/x', 'a', { qos: 1 });
    await pub.publishAsync('ta/x', 'b', { qos: 1 });
    const first = await raw.expect('publish');
    const second = await raw.expect('publish');
    expect(first.topic).toBe('ta/x');
    expect(first.properties?.topicAlias).toBe(1);
    expect(second.topic).toBe('');
    expect(second.properties?.topicAlias).toBe(1);
    raw.destroy();
    await end(pub);
  });

  it("receive maximum: no more QoS 1 messages in flight than the client allows", async () => {
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('rm', 5, { properties: { receiveMaximum: 2 } });
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm', qos: 1 }] }, 5);
    await raw.expect('suback');
    const pub = await connect(b.url, { clientId: 'rm-pub' });
    for (let i = 0; i < 5; i++) await pub.publishAsync('rm', String(i), { qos: 1 });
    await sleep(200);
    const inFlight = raw.packets.filter((p) => p.cmd === 'publish');
    expect(inFlight).toHaveLength(2);
    raw.send({ cmd: 'puback', messageId: inFlight[0].messageId }, 5);
    await until(() => raw.packets.filter((p) => p.cmd === 'publish').length === 3, 'the third message after one PUBACK');
    raw.destroy();
    await end(pub);
  });

  it("maximum packet size: a message larger than the client's maximum is not sent to it", async () => {
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('small', 5, { properties: { maximumPacketSize: 100 } });
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mps', qos: 1 }] }, 5);
    await raw.expect('suback');
    const pub = await connect(b.url, { clientId: 'mps-pub' });
    await pub.publishAsync('mps', 'x'.repeat(500), { qos: 1 });
    await pub.publishAsync('mps', 'fits', { qos: 1 });
    const message = await raw.expect('publish');
    expect(message.payload.toString()).toBe('fits');
    raw.destroy();
    await end(pub);
  });

  it('no-local: a client does not get its own messages on that subscription', async () => {
    const client = await connect(b.url, { clientId: 'nl', ...v5 });
    const got = collect(client);
    await client.subscribeAsync('nl/t', { qos: 1, nl: true });
    await client.subscribeAsync('nl/other', { qos: 1 });
    await client.publishAsync('nl/t', 'mine', { qos: 1 });
    await client.publishAsync('nl/other', 'echo', { qos: 1 });
    await got.count(1);
    await sleep(150);
    expect(got.messages.map((m) => m.payload)).toEqual(['echo']);
    await end(client);
  });

  it('subscription identifiers: each delivery carries the identifiers of the subscriptions it matched', async () => {
    const client = await connect(b.url, { clientId: 'subid', ...v5 });
    const got = collect(client);
    await client.subscribeAsync('sid/+', { qos: 1, properties: { subscriptionIdentifier: 7 } });
    await client.subscribeAsync('sid/#', { qos: 1, properties: { subscriptionIdentifier: 9 } });
    const pub = await connect(b.url, { clientId: 'subid-pub' });
    await pub.publishAsync('sid/x', 'x', { qos: 1 });
    const [message] = await got.count(1);
    const ids = message.properties?.subscriptionIdentifier;
    expect((Array.isArray(ids) ? ids : [ids]).sort()).toEqual([7, 9]);
    await end(client, pub);
  });

  it('shared subscriptions: each message goes to one member of the group', async () => {
    const members = await Promise.all([1, 2, 3].map((i) => connect(b.url, { clientId: `share-${i}`, ...v5 })));
    const gots = members.map(collect);
    for (const m of members) await m.subscribeAsync('$share/workers/jobs/#', { qos: 1 });
    const plain = await connect(b.url, { clientId: 'share-plain', ...v5 });
    const plainGot = collect(plain);
    await plain.subscribeAsync('jobs/#', { qos: 1 });
    const pub = await connect(b.url, { clientId: 'share-pub' });
    for (let i = 0; i < 30; i++) await pub.publishAsync(`jobs/${i}`, String(i), { qos: 1 });
    await plainGot.count(30);
    await until(() => gots.reduce((n, g) => n + g.messages.length, 0) === 30, 'all 30 jobs to be shared out');
    await sleep(100);
    const all = gots.flatMap((g) => g.messages.map((m) => m.payload)).sort((x, y) => Number(x) - Number(y));
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    for (const g of gots) expect(g.messages.length).toBeGreaterThan(0);
    await end(...members, plain, pub);
  });

  it('a PUBLISH marked UTF-8 whose payload is not gets PUBACK 0x99 and is not delivered', async () => {
    const sub = await connect(b.url, { clientId: 'pfi-sub', ...v5 });
    const got = collect(sub);
    await sub.subscribeAsync('pfi', { qos: 1 });
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('pfi-raw', 5);
    raw.send({ cmd: 'publish', topic: 'pfi', payload: Buffer.from([0xff, 0xfe]), qos: 1, messageId: 1, retain: false, dup: false,
      properties: { payloadFormatIndicator: true } }, 5);
    expect((await raw.expect('puback')).reasonCode).toBe(0x99);
    await sleep(100);
    expect(got.messages).toHaveLength(0);
    raw.destroy();
    await end(sub);
  });
});
