// Listeners: MQTT over WebSocket (subprotocol, path, frames), TCP and WS clients talking to each other,
// a port already taken, the connect timeout and the connection limit.
import { request } from 'node:http';
import mqtt from 'mqtt';
import { generate } from 'mqtt-packet';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../main/broker/index.js';
import { ByteClient, hex } from '../helpers/bytes.js';
import { collect, connect, end, sleep, startBroker, withTimeout, type TestBroker } from '../helpers/broker.js';

const CONNACK_OK = '20 02 00 00';

function connectPacket(clientId: string, protocolVersion: 4 | 5 = 4): Buffer {
  return generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion, clientId, clean: true, keepalive: 60 }, { protocolVersion });
}

interface WsOutcome {
  opened: boolean;
  protocol?: string;
  status?: number;
  error?: string;
}

/** Opens a raw WebSocket; resolves with the open socket's protocol, or how the handshake failed. */
function openWs(url: string, protocols: string[]): Promise<{ ws: WebSocket; outcome: WsOutcome }> {
  const ws = new WebSocket(url, protocols);
  return withTimeout(new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, outcome: { opened: true, protocol: ws.protocol } }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ ws, outcome: { opened: false, status: res.statusCode } });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (error) => resolve({ ws, outcome: { opened: false, error: error.message } }));
  }), 5000, `WebSocket handshake with ${url}`);
}

/** Collects the binary messages of a raw WebSocket as one byte stream. */
function wsBytes(ws: WebSocket) {
  let buffer = Buffer.alloc(0);
  let closed = false;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  ws.on('message', (data: Buffer) => {
    buffer = Buffer.concat([buffer, data]);
    wake();
  });
  ws.on('close', () => {
    closed = true;
    wake();
  });
  return {
    get closed() {
      return closed;
    },
    /** The next n bytes (fewer if closed first). */
    async read(n: number): Promise<string> {
      await withTimeout(new Promise<void>((resolve) => {
        const check = () => (buffer.length >= n || closed ? resolve() : waiters.push(check));
        check();
      }), 3000, `${n} bytes over WebSocket (have ${hex(buffer)})`);
      const out = buffer.subarray(0, n);
      buffer = buffer.subarray(out.length);
      return hex(out);
    },
    async closedWith(): Promise<string> {
      await withTimeout(new Promise<void>((resolve) => {
        const check = () => (closed ? resolve() : waiters.push(check));
        check();
      }), 3000, `the broker to close the WebSocket (received ${hex(buffer) || 'nothing'})`);
      return hex(buffer);
    },
  };
}

/** A plain HTTP GET; resolves with the status code. */
function httpGet(port: number, path: string): Promise<number> {
  return withTimeout(new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  }), 3000, `HTTP GET ${path}`);
}

describe('10-listeners: WebSocket', () => {
  let b: TestBroker;
  beforeAll(async () => { b = await startBroker(); });
  afterAll(() => b.close());

  it('serves mqtt.js over ws://127.0.0.1:PORT/mqtt', async () => {
    expect(b.wsUrl).toBe(`ws://127.0.0.1:${b.wsPort}/mqtt`);
    const client = await connect(b.wsUrl, { clientId: 'ws-only', protocolVersion: 5 });
    try {
      const got = collect(client);
      await client.subscribeAsync('ws/echo', { qos: 1 });
      await client.publishAsync('ws/echo', 'over websocket', { qos: 1 });
      expect((await got.count(1))[0]).toMatchObject({ topic: 'ws/echo', payload: 'over websocket', qos: 1 });
    } finally {
      await end(client);
    }
  });

  it('[MQTT-6.0.0-4] selects the subprotocol "mqtt" in the handshake', async () => {
    const { ws, outcome } = await openWs(b.wsUrl, ['mqtt']);
    expect(outcome).toEqual({ opened: true, protocol: 'mqtt' });
    ws.terminate();
  });

  it('selects "mqtt" when the client offers other subprotocols first', async () => {
    const { ws, outcome } = await openWs(b.wsUrl, ['wamp', 'mqtt']);
    expect(outcome).toEqual({ opened: true, protocol: 'mqtt' });
    ws.terminate();
  });

  it('[MQTT-6.0.0-2] carries MQTT in binary frames, split anywhere and several packets per frame', async () => {
    const { ws, outcome } = await openWs(b.wsUrl, ['mqtt']);
    expect(outcome.opened).toBe(true);
    const stream = wsBytes(ws);
    try {
      const connectBytes = connectPacket('ws-raw');
      // The CONNECT split over three frames, then two PINGREQs in one frame.
      ws.send(connectBytes.subarray(0, 3), { binary: true });
      ws.send(connectBytes.subarray(3, 9), { binary: true });
      ws.send(connectBytes.subarray(9), { binary: true });
      expect(await stream.read(4)).toBe(CONNACK_OK);
      ws.send(Buffer.from([0xc0, 0x00, 0xc0, 0x00]), { binary: true });
      expect(await stream.read(4)).toBe('d0 00 d0 00');
    } finally {
      ws.terminate();
    }
  });

  it('[MQTT-6.0.0-1] closes a connection that sends a text frame', async () => {
    const { ws, outcome } = await openWs(b.wsUrl, ['mqtt']);
    expect(outcome.opened).toBe(true);
    const stream = wsBytes(ws);
    try {
      ws.send(connectPacket('ws-text'), { binary: true });
      expect(await stream.read(4)).toBe(CONNACK_OK);
      ws.send('\u00c0\u0000'); // a PINGREQ's bytes as text
      expect(await stream.closedWith()).toBe('');
    } finally {
      ws.terminate();
    }
  });

  for (const how of ['close', 'terminate'] as const) {
    it(`[MQTT-3.1.2-8] a WebSocket client gone without DISCONNECT (ws.${how}()) is dropped: uncounted, its will published`, async () => {
      const watcher = await connect(b.url, { clientId: `will-watcher-${how}` });
      const got = collect(watcher);
      await watcher.subscribeAsync(`ws/will/${how}`, { qos: 1 });
      const before = b.broker.connectedCount;
      const { ws, outcome } = await openWs(b.wsUrl, ['mqtt']);
      expect(outcome.opened).toBe(true);
      const stream = wsBytes(ws);
      try {
        ws.send(generate({
          cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `ws-gone-${how}`, clean: true, keepalive: 60,
          will: { topic: `ws/will/${how}`, payload: Buffer.from('gone'), qos: 1, retain: false },
        }), { binary: true });
        expect(await stream.read(4)).toBe(CONNACK_OK);
        expect(b.broker.connectedCount).toBe(before + 1);
        ws[how]();
        expect((await got.count(1))[0]).toMatchObject({ topic: `ws/will/${how}`, payload: 'gone' });
        await withTimeout((async () => {
          while (b.broker.connectedCount !== before) await sleep(10);
        })(), 3000, `connectedCount back to ${before} (is ${b.broker.connectedCount})`);
      } finally {
        ws.terminate();
        await end(watcher);
      }
    });
  }

  it('answers a plain HTTP GET on the WebSocket port with something other than 101', async () => {
    const status = await httpGet(b.wsPort, '/');
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).not.toBe(101);
    const onPath = await httpGet(b.wsPort, '/mqtt');
    expect(onPath).toBeGreaterThanOrEqual(200);
    expect(onPath).not.toBe(101);
  });

  it('refuses a WebSocket upgrade on a wrong path', async () => {
    const wrong = `ws://127.0.0.1:${b.wsPort}/not-mqtt`;
    const { outcome } = await openWs(wrong, ['mqtt']);
    expect(outcome.opened).toBe(false);
    if (outcome.status !== undefined) expect(outcome.status).not.toBe(101);
    // mqtt.js gives up too, and nothing got counted.
    const before = b.broker.connectedCount;
    const client = mqtt.connect(wrong, { clientId: 'wrong-path', reconnectPeriod: 0, connectTimeout: 2000 });
    try {
      await withTimeout(new Promise<void>((resolve, reject) => {
        client.once('connect', () => reject(new Error('mqtt.js connected on a wrong path')));
        client.once('error', () => resolve());
        client.once('close', () => resolve());
      }), 4000, 'mqtt.js to fail on a wrong path');
    } finally {
      client.end(true);
    }
    expect(b.broker.connectedCount).toBe(before);
  });

  it('TCP and WebSocket clients exchange messages both ways (3.1.1 and 5)', async () => {
    const before = b.broker.connectedCount;
    const tcp = await connect(b.url, { clientId: 'both-tcp', protocolVersion: 4 });
    const ws = await connect(b.wsUrl, { clientId: 'both-ws', protocolVersion: 5 });
    try {
      const atTcp = collect(tcp);
      const atWs = collect(ws);
      await tcp.subscribeAsync('both/to-tcp', { qos: 2 });
      await ws.subscribeAsync('both/to-ws', { qos: 2 });
      await ws.publishAsync('both/to-tcp', 'from ws', { qos: 1 });
      await tcp.publishAsync('both/to-ws', 'from tcp', { qos: 2 });
      expect((await atTcp.count(1))[0]).toMatchObject({ topic: 'both/to-tcp', payload: 'from ws', qos: 1 });
      expect((await atWs.count(1))[0]).toMatchObject({ topic: 'both/to-ws', payload: 'from tcp', qos: 2 });
      expect(b.broker.connectedCount).toBe(before + 2);
    } finally {
      await end(tcp, ws);
    }
  });
});

describe('10-listeners: ports', () => {
  let b: TestBroker;
  beforeAll(async () => { b = await startBroker(); });
  afterAll(() => b.close());

  it('a second broker on a TCP port in use fails listen() with "already in use"', async () => {
    const second = createBroker({ tcp: { host: '127.0.0.1', port: b.port }, ws: false, sysInterval: 0 });
    await expect(second.listen()).rejects.toThrow(/already in use/);
    await expect(second.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.addresses).toEqual([]);
    await second.close();
  });

  it('a second broker on a WebSocket port in use fails listen() with "already in use", keeping no listener open', async () => {
    const second = createBroker({
      tcp: { host: '127.0.0.1', port: 0 }, ws: { host: '127.0.0.1', port: b.wsPort, path: '/mqtt' }, sysInterval: 0,
    });
    await expect(second.listen()).rejects.toThrow(/already in use/);
    expect(second.addresses).toEqual([]);
    await second.close();
  });

  it('the first broker keeps serving after those failures', async () => {
    const client = await connect(b.url, { clientId: 'still-first' });
    expect(client.connected).toBe(true);
    await end(client);
  });
});

describe('10-listeners: connect timeout', () => {
  let b: TestBroker;
  beforeAll(async () => { b = await startBroker({ limits: { connectTimeoutMs: 300 } }); });
  afterAll(() => b.close());

  it('closes a TCP socket that never sends CONNECT', async () => {
    const raw = await ByteClient.open(b.port);
    try {
      expect(hex(await raw.closedWith(5000))).toBe('');
    } finally {
      raw.destroy();
    }
  });

  it('closes a TCP socket that sends only part of a CONNECT', async () => {
    const raw = await ByteClient.open(b.port);
    try {
      raw.write(connectPacket('half').subarray(0, 5));
      expect(hex(await raw.closedWith(5000))).toBe('');
    } finally {
      raw.destroy();
    }
  });

  it('closes a WebSocket that never sends CONNECT', async () => {
    const { ws, outcome } = await openWs(b.wsUrl, ['mqtt']);
    expect(outcome.opened).toBe(true);
    const stream = wsBytes(ws);
    try {
      expect(await stream.closedWith()).toBe('');
    } finally {
      ws.terminate();
    }
  });

  it('leaves a connection that sent CONNECT in time alone', async () => {
    const raw = await ByteClient.open(b.port);
    try {
      raw.write(connectPacket('in-time'));
      expect(hex(await raw.read(4))).toBe(CONNACK_OK);
      await sleep(900); // three connect timeouts: the timer must not fire for an accepted CONNECT
      raw.write(Buffer.from([0xc0, 0x00]));
      expect(hex(await raw.read(2))).toBe('d0 00');
      expect(raw.closed).toBe(false);
    } finally {
      raw.destroy();
    }
  });
});

describe('10-listeners: maxConnections', () => {
  let b: TestBroker;
  beforeAll(async () => { b = await startBroker({ limits: { maxConnections: 2 } }); });
  afterAll(() => b.close());

  it('refuses the third client: 3.1.1 return code 3, MQTT 5 reason 0x89; a freed slot is usable again', async () => {
    const first = await connect(b.url, { clientId: 'max-1' });
    const second = await connect(b.wsUrl, { clientId: 'max-2', protocolVersion: 5 });
    try {
      expect(b.broker.connectedCount).toBe(2);

      const v4 = await ByteClient.open(b.port);
      v4.write(connectPacket('max-3-v4', 4));
      expect(hex(await v4.read(4)), '3.1.1 CONNACK: server unavailable').toBe('20 02 00 03');
      expect(hex(await v4.closedWith())).toBe('');
      v4.destroy();

      const v5 = await ByteClient.open(b.port);
      v5.write(connectPacket('max-3-v5', 5));
      const connack = await v5.frame();
      expect(connack && hex(connack.subarray(0, 1)), 'a CONNACK').toBe('20');
      const at = connack![1] & 0x80 ? 3 : 2; // remaining length fits in 1 or 2 bytes
      expect(connack![at + 1].toString(16), `MQTT 5 CONNACK reason code in ${hex(connack!)}`).toBe('89');
      expect(hex(await v5.closedWith())).toBe('');
      v5.destroy();

      await expect(connect(b.url, { clientId: 'max-3-mqttjs', protocolVersion: 5 })).rejects.toThrow();
      expect(b.broker.connectedCount).toBe(2);
    } finally {
      await end(first);
    }
    try {
      await withTimeout((async () => {
        while (b.broker.connectedCount !== 1) await sleep(10);
      })(), 3000, 'the freed slot');
      const third = await connect(b.url, { clientId: 'max-3-later' });
      expect(third.connected).toBe(true);
      await end(third);
    } finally {
      await end(second);
    }
  });
});
