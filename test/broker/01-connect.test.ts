import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, end, startBroker, withTimeout, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw.js';

let b: TestBroker;
beforeAll(async () => { b = await startBroker({ limits: { maxKeepAlive: 120 } }); });
afterAll(() => b.close());

describe('01-connect', () => {
  it('accepts MQTT 3.1.1 and 5 with session-present false for a new session', async () => {
    for (const protocolVersion of [4, 5] as const) {
      const raw = await RawClient.open(b.port, protocolVersion);
      raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion, clientId: `c-${protocolVersion}`, clean: true, keepalive: 30 }, protocolVersion);
      const connack = await raw.expect('connack');
      expect(connack.sessionPresent).toBe(false);
      expect(connack.returnCode ?? connack.reasonCode).toBe(0);
      raw.destroy();
    }
  });

  it('accepts MQTT 3.1 (MQIsdp, level 3)', async () => {
    const raw = await RawClient.open(b.port, 3);
    raw.send({ cmd: 'connect', protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'old-timer', clean: true, keepalive: 30 }, 3);
    expect((await raw.expect('connack')).returnCode).toBe(0);
    raw.destroy();
  });

  it('[MQTT-3.1.2-2] refuses an unknown protocol level with return code 1', async () => {
    const raw = await RawClient.open(b.port);
    // CONNECT, protocol "MQTT" level 6, clean, keep-alive 60, client id "x"
    raw.sendHex('10 0d 00 04 4d515454 06 02 003c 0001 78');
    expect((await raw.expect('connack')).returnCode).toBe(1);
    await raw.expectClose();
  });

  it('[MQTT-3.1.0-2] closes a connection that sends a second CONNECT', async () => {
    const raw = await RawClient.open(b.port);
    await raw.handshake('twice');
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'twice', clean: true, keepalive: 30 });
    await raw.expectClose();
  });

  it('[MQTT-3.1.3-8] rejects an empty client id without clean session (3.1.1: return code 2)', async () => {
    const raw = await RawClient.open(b.port);
    // CONNECT 3.1.1, clean session 0, keep-alive 60, client id "" (mqtt-packet will not encode it)
    raw.sendHex('10 0c 00 04 4d515454 04 00 003c 0000');
    expect((await raw.expect('connack')).returnCode).toBe(2);
    await raw.expectClose();
  });

  it('[MQTT-3.1.3-6] assigns a client id to an empty one with clean session', async () => {
    const client = await connect(b.url, { clientId: '', clean: true });
    expect(client.connected).toBe(true);
    await end(client);
  });

  it('MQTT 5 gets an assigned client identifier in CONNACK', async () => {
    const raw = await RawClient.open(b.port, 5);
    // CONNECT 5, clean start 0, keep-alive 60, no properties, client id ""
    raw.sendHex('10 0d 00 04 4d515454 05 00 003c 00 0000');
    const connack = await raw.expect('connack');
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties?.assignedClientIdentifier).toMatch(/^auto-/);
    raw.destroy();
  });

  it('MQTT 5 CONNACK advertises the broker limits and a lower server keep-alive', async () => {
    const raw = await RawClient.open(b.port, 5);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'limits', clean: true, keepalive: 600 }, 5);
    const { properties } = await raw.expect('connack');
    expect(properties?.serverKeepAlive).toBe(120);
    expect(properties?.topicAliasMaximum).toBeGreaterThan(0);
    expect(properties?.maximumPacketSize).toBe(b.broker.limits.maxPacketSize);
    expect(properties?.sharedSubscriptionAvailable).toBe(true);
    raw.destroy();
  });

  it('3.1.1 keep-alive above the maximum is refused (return code 2, as Mosquitto)', async () => {
    const raw = await RawClient.open(b.port);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'slowpoke', clean: true, keepalive: 600 });
    expect((await raw.expect('connack')).returnCode).toBe(2);
  });

  it('MQTT 5 enhanced authentication is refused with 0x8C', async () => {
    const raw = await RawClient.open(b.port, 5);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'scram', clean: true, keepalive: 30,
      properties: { authenticationMethod: 'SCRAM-SHA-1' } }, 5);
    expect((await raw.expect('connack')).reasonCode).toBe(0x8c);
    await raw.expectClose();
  });

  it('[MQTT-3.1.4-2] a new connection with the same client id takes over (MQTT 5: DISCONNECT 0x8E)', async () => {
    const first = await RawClient.open(b.port, 5);
    await first.handshake('same-id', 5);
    const second = await connect(b.url, { clientId: 'same-id', protocolVersion: 5 });
    const disconnect = await first.expect('disconnect');
    expect(disconnect.reasonCode).toBe(0x8e);
    await first.expectClose();
    expect(second.connected).toBe(true);
    await end(second);
  });

  it('[MQTT-3.1.2-24] closes a client silent for 1.5 × keep-alive and publishes its will', async () => {
    const watcher = await connect(b.url, { clientId: 'watcher' });
    const got = collect(watcher);
    await watcher.subscribeAsync('wills/silent');
    const raw = await RawClient.open(b.port);
    const sentAt = Date.now();
    await raw.handshake('silent', 4, { keepalive: 1, will: { topic: 'wills/silent', payload: Buffer.from('gone'), qos: 0, retain: false } });
    await raw.expectClose(4000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1400);
    expect((await got.count(1))[0].payload).toBe('gone');
    await end(watcher);
  });

  it('a PINGREQ gets a PINGRESP', async () => {
    const raw = await RawClient.open(b.port);
    await raw.handshake('pinger');
    raw.send({ cmd: 'pingreq' });
    await withTimeout(raw.expect('pingresp'), 3000, 'PINGRESP');
    raw.destroy();
  });
});
