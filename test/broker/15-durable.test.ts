// Durable state through the CLI with --data DIR: retained messages and persistent sessions survive a
// graceful restart and a kill -9 (every acknowledged QoS 1/2 message is delivered after the restart),
// and a corrupt broker.db is refused unless --reset-corrupt-db is given.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, end, withTimeout } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw.js';
import { assertCliBuilt, nonEmptyLines, runCli, startCliBroker, type CliBroker } from '../helpers/cli.js';
import { killChildren } from '../helpers/process.js';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-durable-'));
  dirs.push(dir);
  return dir;
}

beforeAll(() => assertCliBuilt());
afterAll(async () => {
  await killChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Connects with a message collector attached before the CONNACK, so a resumed session's queued
 * messages (sent right after it) are not missed; returns the CONNACK too.
 */
async function connectCollecting(url: string, options: IClientOptions) {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  const got = collect(client);
  const connack = await withTimeout(new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  }), 6000, `CONNACK for ${options.clientId}`);
  return { client, got, connack };
}

/** Publishes and resolves when the broker has acknowledged (PUBACK / PUBCOMP). */
function publishAcked(client: MqttClient, topic: string, payload: string, qos: 1 | 2, retain = false): Promise<unknown> {
  return client.publishAsync(topic, payload, { qos, retain });
}

async function expectRetained(url: string, topic: string, payload: string): Promise<void> {
  const reader = await connect(url, { clientId: `retained-reader-${Math.random().toString(36).slice(2)}` });
  try {
    const got = collect(reader);
    await reader.subscribeAsync(topic, { qos: 1 });
    const [message] = await got.count(1);
    expect(message).toMatchObject({ topic, payload, retain: true });
  } finally {
    await end(reader);
  }
}

describe('15-durable: --data DIR', () => {
  it('(a) a graceful stop (SIGTERM) and restart keep retained messages, persistent sessions, their subscriptions and queued QoS 1/2 messages', async () => {
    const dir = dataDir();
    let broker: CliBroker = await startCliBroker(['--data', dir]);
    try {
      // A persistent session with a QoS 1 and a QoS 2 subscription, then offline.
      const first = await connectCollecting(broker.url, { clientId: 'durable-a', clean: false });
      expect(first.connack.sessionPresent).toBe(false);
      await first.client.subscribeAsync({ 'a/q1/#': { qos: 1 }, 'a/q2/#': { qos: 2 } });
      await end(first.client);

      const pub = await connect(broker.url, { clientId: 'durable-a-pub' });
      await publishAcked(pub, 'a/q1/x', 'queued-1', 1);
      await publishAcked(pub, 'a/q2/x', 'queued-2', 2);
      await publishAcked(pub, 'a/retained', 'kept', 1, true);
      await end(pub);

      expect(await broker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      broker = await startCliBroker(['--data', dir]);

      await expectRetained(broker.url, 'a/retained', 'kept');

      // The restored subscriptions route new messages into the still-offline session.
      const pub2 = await connect(broker.url, { clientId: 'durable-a-pub' });
      await publishAcked(pub2, 'a/q2/y', 'after-restart', 2);
      await end(pub2);

      const back = await connectCollecting(broker.url, { clientId: 'durable-a', clean: false });
      expect(back.connack.sessionPresent).toBe(true);
      const messages = await back.got.count(3, 10_000);
      // Different topics: no order is promised between them [MQTT-4.6.0-6 is per topic].
      expect(messages.map((m) => `${m.topic}=${m.payload}@${m.qos}`).sort()).toEqual([
        'a/q1/x=queued-1@1', 'a/q2/x=queued-2@2', 'a/q2/y=after-restart@2',
      ]);
      await end(back.client);

      // Acknowledged deliveries are gone for good: after another restart only new messages arrive.
      expect(await broker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      broker = await startCliBroker(['--data', dir]);
      const again = await connectCollecting(broker.url, { clientId: 'durable-a', clean: false });
      expect(again.connack.sessionPresent).toBe(true);
      const pub3 = await connect(broker.url, { clientId: 'durable-a-pub' });
      await publishAcked(pub3, 'a/q1/x', 'marker', 1);
      await publishAcked(pub3, 'a/q2/x', 'marker', 2);
      await publishAcked(pub3, 'a/q2/y', 'marker', 2);
      await end(pub3);
      // A redelivered old message would come ahead of the marker on its topic (topics are ordered [MQTT-4.6.0-6]).
      await again.got.count(3);
      expect(again.got.messages.map((m) => `${m.topic}=${m.payload}`).sort()).toEqual(['a/q1/x=marker', 'a/q2/x=marker', 'a/q2/y=marker']);
      await end(again.client);
    } finally {
      await broker.stop('SIGTERM');
    }
  });

  it('(b) kill -9: every QoS 1/2 message the broker acknowledged reaches the persistent subscriber after a restart; the retained message too', async () => {
    const N = 200; // half QoS 1, half QoS 2
    const dir = dataDir();
    let broker: CliBroker = await startCliBroker(['--data', dir]);
    try {
      const first = await connectCollecting(broker.url, { clientId: 'durable-b', clean: false });
      await first.client.subscribeAsync({ 'b/q1/#': { qos: 1 }, 'b/q2/#': { qos: 2 } });
      await end(first.client);

      const pub = await connect(broker.url, { clientId: 'durable-b-pub' });
      const acks: Array<Promise<unknown>> = [];
      for (let i = 0; i < N / 2; i++) {
        acks.push(publishAcked(pub, 'b/q1/data', `q1-${i}`, 1));
        acks.push(publishAcked(pub, 'b/q2/data', `q2-${i}`, 2));
      }
      await withTimeout(Promise.all(acks), 15_000, `PUBACK/PUBCOMP for all ${N} messages`);
      await withTimeout(publishAcked(pub, 'b/retained', 'set just before the kill', 1, true), 5000, 'PUBACK of the retained message');

      const killed = await broker.stop('SIGKILL');
      expect(killed).toEqual({ code: null, signal: 'SIGKILL' });
      await end(pub);

      broker = await startCliBroker(['--data', dir]);
      const back = await connectCollecting(broker.url, { clientId: 'durable-b', clean: false });
      expect(back.connack.sessionPresent).toBe(true);

      const unique = () => new Set(back.got.messages.map((m) => m.payload));
      await withTimeout(new Promise<void>((resolve) => {
        const check = () => (unique().size >= N ? resolve() : setTimeout(check, 20));
        check();
      }), 15_000, `all ${N} acknowledged messages (have ${unique().size})`).catch((error: Error) => {
        const missing = [];
        for (let i = 0; i < N / 2; i++) for (const q of ['q1', 'q2']) if (!unique().has(`${q}-${i}`)) missing.push(`${q}-${i}`);
        throw new Error(`${error.message}; missing ${missing.length}: ${missing.slice(0, 20).join(', ')}…`);
      });

      const seen = new Map<string, number>();
      for (const m of back.got.messages) seen.set(m.payload, (seen.get(m.payload) ?? 0) + 1);
      const duplicates = (prefix: string) => [...seen].filter(([p, n]) => p.startsWith(prefix) && n > 1).length;
      console.info(`kill -9: ${N} acknowledged, ${back.got.messages.length} delivered after restart, `
        + `${duplicates('q1-')} QoS 1 duplicated (allowed), ${duplicates('q2-')} QoS 2 duplicated`);
      expect(duplicates('q2-'), 'QoS 2 is exactly once [MQTT-4.3.3]').toBe(0);
      for (const m of back.got.messages) expect(m.qos).toBe(m.payload.startsWith('q1-') ? 1 : 2);
      // One topic, one QoS: the order is kept [MQTT-4.6.0-6]: q2-0 … q2-99 (QoS 1 may repeat, so only QoS 2).
      const q2Order = back.got.messages.filter((m) => m.payload.startsWith('q2-')).map((m) => Number(m.payload.slice(3)));
      expect(q2Order).toEqual([...Array(N / 2).keys()]);
      await end(back.client);

      await expectRetained(broker.url, 'b/retained', 'set just before the kill');
    } finally {
      await broker.stop('SIGTERM');
    }
  });

  it('(b2) kill -9 with deliveries in flight: after the restart the unacknowledged PUBLISHes are resent with DUP=1 and their original packet ids [MQTT-4.4.0-1, MQTT-3.3.1-1]', async () => {
    const dir = dataDir();
    let broker: CliBroker = await startCliBroker(['--data', dir]);
    const connectPacket = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'durable-raw', clean: false, keepalive: 60 } as const;
    let raw = await RawClient.open(broker.port);
    try {
      raw.send(connectPacket);
      expect((await raw.expect('connack')).returnCode).toBe(0);
      raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'b2/q1', qos: 1 }, { topic: 'b2/q2', qos: 2 }] });
      expect((await raw.expect('suback')).granted).toEqual([1, 2]);

      // The raw subscriber never acknowledges: every delivery stays in flight.
      const pub = await connect(broker.url, { clientId: 'durable-raw-pub' });
      const acks: Array<Promise<unknown>> = [];
      for (let i = 0; i < 10; i++) {
        acks.push(publishAcked(pub, 'b2/q1', `q1-${i}`, 1));
        acks.push(publishAcked(pub, 'b2/q2', `q2-${i}`, 2));
      }
      await withTimeout(Promise.all(acks), 10_000, 'PUBACK/PUBCOMP for 20 messages');
      const sent = new Map<string, number>();
      for (let i = 0; i < 20; i++) {
        const p = await raw.expect('publish');
        expect(p.dup).toBe(false);
        sent.set(p.payload.toString(), p.messageId!);
      }
      expect(sent.size).toBe(20);

      expect(await broker.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      await end(pub);
      raw.destroy();

      broker = await startCliBroker(['--data', dir]);
      raw = await RawClient.open(broker.port);
      raw.send(connectPacket);
      expect((await raw.expect('connack')).sessionPresent).toBe(true);
      const resent = new Map<string, { id: number; dup: boolean; qos: number }>();
      for (let i = 0; i < 20; i++) {
        const p = await raw.expect('publish');
        resent.set(p.payload.toString(), { id: p.messageId!, dup: p.dup, qos: p.qos });
      }
      for (const [payload, id] of sent) {
        expect(resent.get(payload), payload).toEqual({ id, dup: true, qos: payload.startsWith('q1-') ? 1 : 2 });
      }
    } finally {
      raw.destroy();
      await broker.stop('SIGTERM');
    }
  });

  it('(c) a corrupt broker.db: exit 2 naming the file and --reset-corrupt-db; with the flag it starts and keeps the file as broker.db.corrupt-*', async () => {
    const dir = dataDir();
    const file = join(dir, 'broker.db');
    const garbage = randomBytes(64 * 1024);
    writeFileSync(file, garbage);

    const refused = await runCli(['broker', '--host', '127.0.0.1', '--port', '0', '--ws-port', '0', '--data', dir]);
    expect(refused.code, refused.stderr).toBe(2);
    const lines = nonEmptyLines(refused.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toContain('--reset-corrupt-db');
    expect(refused.stdout).not.toMatch(/listening/);
    // Refusing leaves the file exactly as it was.
    expect(readFileSync(file).equals(garbage)).toBe(true);

    const broker = await startCliBroker(['--data', dir, '--reset-corrupt-db']);
    try {
      const kept = readdirSync(dir).filter((name) => /^broker\.db\.corrupt-[^-].*$/.test(name) && !/-(wal|shm|journal)$/.test(name));
      expect(kept, readdirSync(dir).join(', ')).toHaveLength(1);
      expect(readFileSync(join(dir, kept[0])).equals(garbage)).toBe(true);
      expect(broker.child.stderr).toContain(kept[0]);
      expect(existsSync(file)).toBe(true);

      // And it works, durably: a retained message set now survives a restart.
      const pub = await connect(broker.url, { clientId: 'after-reset' });
      await publishAcked(pub, 'c/retained', 'fresh', 1, true);
      await end(pub);
    } finally {
      expect(await broker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
    const again = await startCliBroker(['--data', dir]);
    try {
      await expectRetained(again.url, 'c/retained', 'fresh');
    } finally {
      await again.stop('SIGTERM');
    }
  });
});
