import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, end, sleep, startBroker, until, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw.js';

let b: TestBroker;
beforeAll(async () => { b = await startBroker(); });
afterAll(() => b.close());

async function watch(topic: string, protocolVersion: 4 | 5 = 4) {
  const client = await connect(b.url, { clientId: `watch-${topic.replace(/\W/g, '')}`, protocolVersion });
  const got = collect(client);
  await client.subscribeAsync(topic, { qos: 2 });
  return { client, got };
}

const will = (topic: string, extra: Record<string, unknown> = {}) =>
  ({ topic, payload: Buffer.from('offline'), qos: 1 as const, retain: false, ...extra });

describe('07-will', () => {
  it('[MQTT-3.1.2-8] an ungraceful disconnect publishes the will at its QoS', async () => {
    const { client, got } = await watch('will/a');
    const raw = await RawClient.open(b.port);
    await raw.handshake('dies', 4, { will: will('will/a') });
    raw.destroy();
    const [message] = await got.count(1);
    expect(message).toMatchObject({ topic: 'will/a', payload: 'offline', qos: 1, retain: false });
    await end(client);
  });

  it('[MQTT-3.1.2-10] a DISCONNECT discards the will', async () => {
    const { client, got } = await watch('will/b');
    const raw = await RawClient.open(b.port);
    await raw.handshake('polite', 4, { will: will('will/b') });
    raw.send({ cmd: 'disconnect' });
    await raw.expectClose();
    await sleep(200);
    expect(got.messages).toHaveLength(0);
    await end(client);
  });

  it('a will with retain is stored as the retained message', async () => {
    const raw = await RawClient.open(b.port);
    await raw.handshake('retains', 4, { will: will('will/retained', { retain: true }) });
    raw.destroy();
    await until(() => b.broker.retained.get('will/retained') !== undefined, 'the retained will');
    const { client, got } = await watch('will/retained');
    expect((await got.count(1))[0]).toMatchObject({ payload: 'offline', retain: true });
    await end(client);
  });

  it('MQTT 5: DISCONNECT with reason 0x04 publishes the will', async () => {
    const { client, got } = await watch('will/c');
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('wants-will', 5, { will: will('will/c') });
    raw.send({ cmd: 'disconnect', reasonCode: 0x04 }, 5);
    expect((await got.count(1))[0].payload).toBe('offline');
    await end(client);
  });

  it('MQTT 5 will delay: sent after the delay, with its properties passed through', async () => {
    const { client, got } = await watch('will/d', 5);
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('delayed', 5, {
      properties: { sessionExpiryInterval: 60 },
      will: will('will/d', { properties: { willDelayInterval: 1, contentType: 'text/plain', userProperties: { site: 'cell1' } } }),
    });
    const closedAt = Date.now();
    raw.destroy();
    await sleep(400);
    expect(got.messages).toHaveLength(0);
    const [message] = await got.count(1, 3000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(900);
    expect(message.properties).toMatchObject({ contentType: 'text/plain', userProperties: { site: 'cell1' } });
    await end(client);
  });

  it('MQTT 5 will delay: reconnecting before the delay cancels the will', async () => {
    const { client, got } = await watch('will/e', 5);
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('comes-back', 5, {
      clean: false, properties: { sessionExpiryInterval: 60 }, will: will('will/e', { properties: { willDelayInterval: 1 } }),
    });
    raw.destroy();
    await until(() => !b.broker.getSession('comes-back')?.link, 'the disconnect');
    const back = await connect(b.url, { clientId: 'comes-back', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    await sleep(1500);
    expect(got.messages).toHaveLength(0);
    await end(client, back);
  });

  it('MQTT 5: a session that ends before the will delay sends the will then [MQTT-3.1.3-9]', async () => {
    const { client, got } = await watch('will/f', 5);
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('short-session', 5, {
      properties: { sessionExpiryInterval: 1 }, will: will('will/f', { properties: { willDelayInterval: 30 } }),
    });
    raw.destroy();
    expect((await got.count(1, 3000))[0].payload).toBe('offline');
    await end(client);
  });
});
