// Throws thousands of random and mutated packets at a running broker over many concurrent TCP
// connections, then checks that nothing blew up: no uncaught exception, no connection left counted,
// well-behaved clients untouched during the storm and served normally afterwards.
//
// Reproducible: the seed is printed; FUZZ_SEED=<n> replays the same bytes on every connection
// (each connection draws from its own generator seeded from the seed and its index, so what it sends
// does not depend on scheduling). FUZZ_CONNECTIONS=<n> changes how many connections are made.
import { connect as netConnect, type Socket } from 'node:net';
import { generate, type IConnectPacket, type Packet } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, end, sleep, startBroker, withTimeout, type TestBroker } from '../helpers/broker.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const CONNECTIONS = Number(process.env.FUZZ_CONNECTIONS ?? 2500);
const CONCURRENCY = 32;

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32).

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Per-connection seed: independent streams from one seed. */
function streamSeed(index: number): number {
  return (Math.imul(SEED ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Valid packets of every type (mqtt-packet's encoder), v4 and v5.

type Version = 4 | 5;

const TOPIC_NAMES = ['fz', 'fz/a', 'fz/a/b', 'fz/é/ü', 'fz/x y', '$SYS/fz', 'fz//z', '/fz', 'fz/' + 'l'.repeat(200)];
const BAD_TOPIC_NAMES = ['', 'fz/+', 'fz/#', '#', 'fz/\u0000', '\uFFFD'];
const FILTERS = ['#', 'fz/#', 'fz/+', '+/+', 'fz/a', '$SYS/#', '$share/g/fz/#', '$share/h/#', 'fz/+/b', '+'];
const BAD_FILTERS = ['', 'fz/#/a', 'fz/a+', '$share/g', '$share//x', '$share/g+/x', 'a\u0000', '##'];
const CLIENT_IDS = Array.from({ length: 40 }, (_, i) => `fz-${i}`);

function topicName(r: Rng): string {
  return r.chance(0.9) ? r.pick(TOPIC_NAMES) : r.pick(BAD_TOPIC_NAMES);
}

function filter(r: Rng): string {
  return r.chance(0.85) ? r.pick(FILTERS) : r.pick(BAD_FILTERS);
}

function payload(r: Rng): Buffer {
  return r.chance(0.2) ? Buffer.alloc(0) : r.bytes(r.chance(0.1) ? r.range(200, 3000) : r.range(1, 40));
}

function userProperties(r: Rng): Record<string, string | string[]> {
  return r.chance(0.5) ? { k: 'v' } : { k: ['v1', 'v2'], 'é': '' };
}

function publishProperties(r: Rng): NonNullable<Extract<Packet, { cmd: 'publish' }>['properties']> {
  const p: NonNullable<Extract<Packet, { cmd: 'publish' }>['properties']> = {};
  if (r.chance(0.3)) p.payloadFormatIndicator = r.chance(0.5);
  if (r.chance(0.3)) p.messageExpiryInterval = r.pick([0, 1, 60, 0xffffffff]);
  if (r.chance(0.3)) p.topicAlias = r.range(0, 12);
  if (r.chance(0.2)) p.responseTopic = topicName(r);
  if (r.chance(0.2)) p.correlationData = r.bytes(r.range(0, 16));
  if (r.chance(0.2)) p.userProperties = userProperties(r);
  if (r.chance(0.05)) p.subscriptionIdentifier = r.range(0, 3);
  if (r.chance(0.2)) p.contentType = 'text/plain';
  return p;
}

function connectPacket(r: Rng, v: Version): IConnectPacket {
  const packet: IConnectPacket = {
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: v,
    clientId: r.chance(0.1) ? '' : r.pick(CLIENT_IDS), clean: r.chance(0.7), keepalive: r.pick([0, 5, 60, 65535]),
  };
  if (r.chance(0.3)) packet.username = r.pick(['u', '', 'ü']);
  if (r.chance(0.2)) packet.password = r.bytes(r.range(0, 8));
  if (r.chance(0.3)) {
    packet.will = { topic: topicName(r), payload: payload(r), qos: r.pick([0, 1, 2] as const), retain: r.chance(0.3) };
    if (v === 5 && r.chance(0.5)) {
      packet.will.properties = {
        willDelayInterval: r.pick([0, 1, 3600]),
        ...(r.chance(0.5) ? { messageExpiryInterval: r.pick([0, 10]) } : {}),
        ...(r.chance(0.3) ? { payloadFormatIndicator: true } : {}),
        ...(r.chance(0.3) ? { userProperties: userProperties(r) } : {}),
      };
    }
  }
  if (v === 5 && r.chance(0.7)) {
    packet.properties = {
      ...(r.chance(0.5) ? { sessionExpiryInterval: r.pick([0, 5, 0xffffffff]) } : {}),
      ...(r.chance(0.4) ? { receiveMaximum: r.pick([1, 2, 100, 65535]) } : {}),
      ...(r.chance(0.4) ? { maximumPacketSize: r.pick([32, 128, 4096, 1 << 20]) } : {}),
      ...(r.chance(0.5) ? { topicAliasMaximum: r.pick([0, 1, 5, 100]) } : {}),
      ...(r.chance(0.2) ? { requestResponseInformation: r.chance(0.5) } : {}),
      ...(r.chance(0.2) ? { requestProblemInformation: r.chance(0.5) } : {}),
      ...(r.chance(0.2) ? { userProperties: userProperties(r) } : {}),
      ...(r.chance(0.05) ? { authenticationMethod: 'SCRAM' } : {}),
    };
  }
  return packet;
}

function anyPacket(r: Rng, v: Version): Packet {
  const id = r.chance(0.05) ? 0 : r.range(1, 65535);
  const reason = (codes: number[]) => (v === 5 && r.chance(0.6) ? { reasonCode: r.pick(codes) } : {});
  const props = (p: Record<string, unknown>) => (v === 5 && r.chance(0.4) ? { properties: p } : {});
  switch (r.int(v === 5 ? 15 : 14)) {
    case 0: return connectPacket(r, v);
    case 1: return { cmd: 'connack', sessionPresent: r.chance(0.5), ...(v === 5 ? { reasonCode: 0 } : { returnCode: r.range(0, 5) }) };
    case 2: case 3: case 4: {
      const qos = r.pick([0, 1, 2] as const);
      return {
        cmd: 'publish', topic: topicName(r), payload: payload(r), qos, retain: r.chance(0.3), dup: qos > 0 && r.chance(0.2),
        ...(qos > 0 ? { messageId: id } : {}),
        ...(v === 5 && r.chance(0.6) ? { properties: publishProperties(r) } : {}),
      } as Packet;
    }
    case 5: return { cmd: 'puback', messageId: id, ...reason([0, 0x10, 0x80, 0x97]) };
    case 6: return { cmd: 'pubrec', messageId: id, ...reason([0, 0x10, 0x80]) };
    case 7: return { cmd: 'pubrel', messageId: id, ...reason([0, 0x92]) };
    case 8: return { cmd: 'pubcomp', messageId: id, ...reason([0, 0x92]) };
    case 9: {
      const subscriptions = Array.from({ length: r.range(1, 4) }, () => ({
        topic: filter(r), qos: r.pick([0, 1, 2] as const),
        ...(v === 5 ? { nl: r.chance(0.2), rap: r.chance(0.3), rh: r.pick([0, 1, 2] as const) } : {}),
      }));
      return { cmd: 'subscribe', messageId: id, subscriptions, ...props({ subscriptionIdentifier: r.range(1, 5) }) } as Packet;
    }
    case 10: return { cmd: 'suback', messageId: id, granted: [r.pick([0, 1, 2, 0x80])] };
    case 11: return { cmd: 'unsubscribe', messageId: id, unsubscriptions: Array.from({ length: r.range(1, 3) }, () => filter(r)) } as Packet;
    case 12: return r.chance(0.5) ? { cmd: 'pingreq' } : { cmd: 'pingresp' };
    case 13: return {
      cmd: 'disconnect', ...reason([0, 4, 0x80, 0x81]),
      ...props({ sessionExpiryInterval: r.pick([0, 10]), reasonString: 'bye' }),
    } as Packet;
    default: return { cmd: 'auth', reasonCode: r.pick([0, 0x18, 0x19]), properties: { authenticationMethod: 'SCRAM', authenticationData: r.bytes(4) } };
  }
}

/** A valid CONNECT (mqtt-packet refuses a few combinations, e.g. a 3.1.1 password without user name). */
function encodeConnect(r: Rng, v: Version): Buffer {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return generate(connectPacket(r, v), { protocolVersion: v });
    } catch {
      // draw another
    }
  }
  return generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: v, clientId: 'fz-fallback', clean: true, keepalive: 60 }, { protocolVersion: v });
}

function encode(r: Rng, v: Version): Buffer {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return generate(anyPacket(r, v), { protocolVersion: v });
    } catch {
      // Some random combinations are refused by the encoder itself; draw another.
    }
  }
  return Buffer.from([0xc0, 0x00]);
}

// ---------------------------------------------------------------------------------------------
// Mutations.

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0 && out.length < 4);
  return Buffer.from(out);
}

/** Offset just past the remaining-length field, or 2 if that cannot be told. */
function headerEnd(b: Buffer): number {
  for (let i = 1; i < Math.min(5, b.length); i++) if ((b[i] & 0x80) === 0) return i + 1;
  return Math.min(2, b.length);
}

const MUTATIONS: Array<(r: Rng, b: Buffer) => Buffer> = [
  // flip random bits
  (r, b) => {
    const out = Buffer.from(b);
    for (let n = r.range(1, 8); n > 0 && out.length > 0; n--) out[r.int(out.length)] ^= 1 << r.int(8);
    return out;
  },
  // truncate
  (r, b) => b.subarray(0, r.int(Math.max(1, b.length))),
  // duplicate (whole, or a slice appended)
  (r, b) => (r.chance(0.5) ? Buffer.concat([b, b]) : Buffer.concat([b, b.subarray(r.int(b.length + 1))])),
  // splice random bytes in
  (r, b) => {
    const at = r.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), r.bytes(r.range(1, 16)), b.subarray(at)]);
  },
  // random remaining length (sometimes a 5-byte one)
  (r, b) => {
    const rest = b.subarray(headerEnd(b));
    const length = r.chance(0.1)
      ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])
      : varint(r.pick([0, 1, 2, rest.length - 1, rest.length + 1, r.int(300), r.int(1 << 21), 268_435_455].map((n) => Math.max(0, n))));
    return Buffer.concat([b.subarray(0, 1), length, rest]);
  },
  // random length of a string (any 2-byte field after the fixed header)
  (r, b) => {
    const start = headerEnd(b);
    if (b.length < start + 2) return b;
    const out = Buffer.from(b);
    const at = start + r.int(out.length - start - 1);
    out.writeUInt16BE(r.pick([0, 1, 0xffff, 0x7fff, out.length - at, out.length - at - 1, r.int(0x10000)].map((n) => Math.min(0xffff, Math.max(0, n)))), at);
    return out;
  },
  // interesting byte values
  (r, b) => {
    const out = Buffer.from(b);
    if (out.length > 0) out[r.int(out.length)] = r.pick([0x00, 0xff, 0x7f, 0x80, 0xc0, 0xef, 0xfe]);
    return out;
  },
  // another packet type or other header flags
  (r, b) => {
    const out = Buffer.from(b);
    if (out.length > 0) out[0] = r.chance(0.5) ? (r.int(16) << 4) | (out[0] & 0x0f) : (out[0] & 0xf0) | r.int(16);
    return out;
  },
  // delete a range
  (r, b) => {
    const at = r.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + r.range(1, 8)))]);
  },
];

/** A fuzz item: pure random bytes, a valid packet (`valid` of the time), or a mutated one. */
function fuzzItem(r: Rng, v: Version, valid: number): Buffer {
  if (r.chance(0.1)) return r.bytes(r.range(1, 256)); // pure random bytes
  let bytes = encode(r, v);
  if (r.chance(valid)) return bytes; // valid, to get deeper into the state machine
  for (let n = r.range(1, 3); n > 0; n--) bytes = r.pick(MUTATIONS)(r, bytes);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// One fuzz connection.

interface FuzzReport {
  index: number;
  sent: Buffer[];
}

const active = new Map<number, FuzzReport>();
const totals = { items: 0, bytes: 0, connected: 0 };

function openSocket(port: number): Promise<Socket> {
  return withTimeout(new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  }), 5000, 'TCP connect');
}

/** Resolves true when `socket` closes within `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function fuzzConnection(port: number, index: number): Promise<void> {
  const r = new Rng(streamSeed(index));
  const v: Version = r.chance(0.5) ? 5 : 4;
  const report: FuzzReport = { index, sent: [] };
  active.set(index, report);
  const socket = await openSocket(port);
  socket.on('error', () => {});
  let received = Buffer.alloc(0);
  let connackWaiter: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    if (received.length < 64) received = Buffer.concat([received, chunk]).subarray(0, 64);
    connackWaiter?.();
  });
  const send = (bytes: Buffer) => {
    if (socket.destroyed) return;
    report.sent.push(bytes);
    totals.bytes += bytes.length;
    socket.write(bytes);
  };
  try {
    const mode = r.next();
    if (mode < 0.7) {
      // After a valid CONNECT (maybe with a subscription, so the fuzz gets routed and encoded too).
      send(encodeConnect(r, v));
      await Promise.race([
        new Promise<void>((resolve) => {
          connackWaiter = () => received.length >= 2 && resolve();
          socket.once('close', () => resolve());
        }),
        sleep(2000),
      ]);
      connackWaiter = null;
      if (received[0] === 0x20 && (received[3] ?? 1) === 0) totals.connected++;
      if (r.chance(0.5)) {
        send(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: r.pick(['#', 'fz/#', '$share/g/fz/#']), qos: r.pick([0, 1, 2] as const) }] }, { protocolVersion: v }));
      }
    } else if (mode < 0.73) {
      // A CONNECT that never completes: held until the end of this connection.
      send(encodeConnect(r, v).subarray(0, r.range(1, 10)));
    }
    // Connected sessions get mostly valid packets, so the mutated ones land deep in a session.
    const valid = mode < 0.7 ? 0.85 : 0.25;
    const items = r.range(4, 24);
    for (let i = 0; i < items && !socket.destroyed; i++) {
      const item = fuzzItem(r, v, valid);
      totals.items++;
      if (r.chance(0.3) && item.length > 1) {
        // Split in two writes, a turn of the event loop apart.
        const cut = r.range(1, item.length - 1);
        send(item.subarray(0, cut));
        await new Promise((resolve) => setImmediate(resolve));
        send(item.subarray(cut));
      } else {
        send(item);
      }
      if (r.chance(0.3)) await new Promise((resolve) => setImmediate(resolve));
    }
    // Give the broker a moment to react, then leave: sometimes with FIN, sometimes abruptly.
    const closedByBroker = await closedWithin(socket, r.range(0, 30));
    if (!closedByBroker) {
      if (r.chance(0.5)) {
        socket.end();
        if (!(await closedWithin(socket, 3000))) socket.destroy();
      } else {
        socket.destroy();
      }
    }
  } finally {
    socket.destroy();
    active.delete(index);
  }
}

// ---------------------------------------------------------------------------------------------

interface Crash {
  error: unknown;
  /** Connections in flight when it happened, with what they had sent (hex, truncated). */
  suspects: Array<{ index: number; hex: string }>;
}

function describeSuspects(): Crash['suspects'] {
  return [...active.values()].slice(0, 40).map((c) => ({
    index: c.index,
    hex: Buffer.concat(c.sent).subarray(0, 512).toString('hex'),
  }));
}

describe('14-fuzz', () => {
  let b: TestBroker;
  const crashes: Crash[] = [];
  const onCrash = (error: unknown) => crashes.push({ error, suspects: describeSuspects() });

  beforeAll(async () => {
    console.log(`14-fuzz: FUZZ_SEED=${SEED} FUZZ_CONNECTIONS=${CONNECTIONS}`);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    b = await startBroker({ limits: { maxPacketSize: 1 << 20 } });
  });

  afterAll(async () => {
    process.removeListener('uncaughtException', onCrash);
    process.removeListener('unhandledRejection', onCrash);
    await b?.close();
  });

  it(`survives ${CONNECTIONS} fuzzing connections (seed ${SEED}) and keeps serving`, { timeout: 60_000 }, async () => {
    const replay = `replay with FUZZ_SEED=${SEED}`;

    // Well-behaved clients subscribed to everything the fuzzers publish: they must be left alone.
    const watcherProblems: string[] = [];
    const watchers: MqttClient[] = [];
    for (const protocolVersion of [4, 5] as const) {
      const watcher = await connect(b.url, { clientId: `fuzz-watcher-v${protocolVersion}`, protocolVersion });
      watcher.on('error', (error) => watcherProblems.push(`v${protocolVersion} watcher error: ${error.message}`));
      watcher.on('close', () => watcherProblems.push(`v${protocolVersion} watcher connection closed`));
      await watcher.subscribeAsync(['fz/#', '#'], { qos: 2 });
      watchers.push(watcher);
    }

    let next = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (next < CONNECTIONS) {
        const index = next++;
        try {
          await fuzzConnection(b.port, index);
        } catch (error) {
          failures.push(`connection ${index}: ${(error as Error).message}`); // e.g. a TCP connect refused
        }
      }
    };
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`14-fuzz: ${CONNECTIONS} connections (${totals.connected} accepted) sent ${totals.items} fuzz items, ${totals.bytes} bytes in ${Date.now() - startedAt} ms; broker stats ${JSON.stringify(b.broker.stats)}`);

    expect(crashes.map((c) => ({ error: String((c.error as Error)?.stack ?? c.error), suspects: c.suspects })),
      `uncaught exceptions while fuzzing (${replay})`).toEqual([]);
    expect(failures.slice(0, 10), `fuzz connections that failed on our side (${replay})`).toEqual([]);
    expect(watcherProblems, `well-behaved clients during the fuzz (${replay})`).toEqual([]);
    for (const watcher of watchers) watcher.removeAllListeners('close');
    await end(...watchers);

    // Every fuzz socket is closed on our side: the broker must count no connection any more.
    await withTimeout((async () => {
      while (b.broker.connectedCount !== 0) await sleep(20);
    })(), 5000, `connectedCount to return to 0 (is ${b.broker.connectedCount}; ${replay})`);

    // And ordinary clients get the full service: QoS 0, 1 and 2, over 3.1.1 and 5.
    for (const protocolVersion of [4, 5] as const) {
      const client = await connect(b.url, { clientId: `after-fuzz-v${protocolVersion}`, protocolVersion });
      try {
        const got = collect(client);
        const topic = `after-fuzz/v${protocolVersion}`;
        const granted = await client.subscribeAsync(topic, { qos: 2 });
        expect(granted.map((g) => g.qos)).toEqual([2]);
        for (const qos of [0, 1, 2] as const) await client.publishAsync(topic, `qos ${qos}`, { qos });
        const messages = await got.count(3);
        expect(messages.map((m) => `${m.topic} ${m.payload} ${m.qos}`).sort()).toEqual([0, 1, 2].map((q) => `${topic} qos ${q} ${q}`));
      } finally {
        await end(client);
      }
    }
    expect(crashes, replay).toEqual([]);
  });
});
