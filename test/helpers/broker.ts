// Start a real broker on ports picked by the OS, and real clients against it.
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { createBroker, type Broker, type BrokerOptions } from '../../main/broker/index.js';

export interface TestBroker {
  broker: Broker;
  port: number;
  wsPort: number;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startBroker(options: BrokerOptions = {}): Promise<TestBroker> {
  const broker = createBroker({
    tcp: { host: '127.0.0.1', port: 0 },
    ws: { host: '127.0.0.1', port: 0, path: '/mqtt' },
    sysInterval: 0,
    ...options,
  });
  const addresses = await broker.listen();
  const tcp = addresses.find((a) => a.protocol === 'tcp');
  const ws = addresses.find((a) => a.protocol === 'ws');
  return {
    broker,
    port: tcp?.port ?? 0,
    wsPort: ws?.port ?? 0,
    url: tcp?.url ?? '',
    wsUrl: ws?.url ?? '',
    close: () => broker.close(),
  };
}

/** Rejects after `ms` with a message naming what was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An mqtt.js client, connected (or rejected with the CONNACK error), no reconnects. */
export function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  return withTimeout(new Promise<MqttClient>((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  }), 6000, `CONNACK for ${options.clientId ?? 'a client'}`);
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
  properties?: Record<string, unknown>;
}

/** Collects messages; `next(n)` waits for n more. */
export function collect(client: MqttClient) {
  const messages: Received[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({
      topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain, dup: packet.dup,
      ...(packet.properties ? { properties: packet.properties as Record<string, unknown> } : {}),
    });
    for (const w of waiters.splice(0)) w();
  });
  return {
    messages,
    async count(n: number, ms = 5000): Promise<Received[]> {
      await withTimeout(new Promise<void>((resolve) => {
        const check = () => (messages.length >= n ? resolve() : waiters.push(check));
        check();
      }), ms, `${n} messages (have ${messages.length})`);
      return messages;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function end(...clients: MqttClient[]): Promise<void[]> {
  return Promise.all(clients.map((c) => new Promise<void>((r) => c.end(true, {}, () => r()))));
}

/** Polls `condition` every 10 ms until it holds. */
export function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  return withTimeout(new Promise<void>((resolve) => {
    const check = () => (condition() ? resolve() : setTimeout(check, 10));
    check();
  }), ms, what);
}

/** Connects with a message collector already attached (queued messages follow the CONNACK at once). */
export async function connectCollecting(url: string, options: IClientOptions = {}) {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options, manualConnect: true });
  const got = collect(client);
  const connack = withTimeout(new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  }), 6000, `CONNACK for ${options.clientId ?? 'a client'}`);
  client.connect();
  return { client, got, connack: await connack };
}
