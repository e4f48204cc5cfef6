// Data-driven raw byte cases, in the style of Mosquitto's test/broker/data/*.json: every file in
// sequences/ is replayed over TCP against one broker of its own, case by case, and afterwards that
// broker must still serve ordinary mqtt.js clients. Each step sends exact bytes or expects exact
// bytes, a CONNACK / DISCONNECT reason code, or the broker closing the connection.
//
// Hex in a step may use `xx*N` for N copies of byte xx (e.g. "61*1012").
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ByteClient, fromHex, hex } from '../helpers/bytes.js';
import { collect, connect, end, sleep, startBroker, withTimeout, type TestBroker } from '../helpers/broker.js';

const code = z.string().regex(/^[0-9a-f]{2}$/i, 'a reason code is two hex digits');
const Step = z.union([
  z.strictObject({ send: z.string() }),
  /** Sends the bytes `count` times, each once the socket has drained; stops once the broker closed. */
  z.strictObject({ trickle: z.string(), count: z.number().int().positive() }),
  /**
   * The next bytes from the broker are exactly these; with orClose, a close with nothing sent also passes and ends the case.
   * A list: the next whole packet is exactly one of these (for packets the spec lets be encoded several ways).
   */
  z.strictObject({ expect: z.union([z.string(), z.array(z.string()).min(2)]), orClose: z.boolean().optional() }),
  /** The next frame is a CONNACK with this return code (3.1.1, exactly `20 02 00 xx`) or reason code (5, properties ignored). */
  z.strictObject({ expectConnack: code, orClose: z.boolean().optional() }),
  /** The next frame is an MQTT 5 DISCONNECT with this reason code (or one of these), then the broker closes. */
  z.strictObject({ expectDisconnect: z.union([code, z.array(code).min(1)]) }),
  /** The broker closes the connection and sends nothing more before it. */
  z.strictObject({ expectClose: z.literal(true) }),
]);
type Step = z.infer<typeof Step>;

const Case = z.strictObject({
  /** Starts with the spec statement, e.g. "[MQTT-3.3.2-2] …", or the section when it has no number, e.g. "[§2.2.3] …". */
  name: z.string().regex(/^\[(MQTT-\d+(\.\d+)*-\d+|§\d+(\.\d+)*)\] \S/, 'a case name starts with its spec reference'),
  version: z.union([z.literal(4), z.literal(5)]),
  /** false: the steps start on a bare socket; true (default): after a valid CONNECT and a successful CONNACK. */
  connect: z.boolean().default(true),
  note: z.string().optional(),
  steps: z.array(Step).min(1),
}).refine((c) => c.steps.every((s, i) => i === c.steps.length - 1 || !('expectClose' in s || 'expectDisconnect' in s)),
  'expectClose / expectDisconnect must be the last step');
type Case = z.infer<typeof Case>;

const SequenceFile = z.strictObject({
  description: z.string(),
  broker: z.strictObject({ limits: z.record(z.string(), z.number()).optional() }).optional(),
  cases: z.array(Case).min(1),
});

const dir = fileURLToPath(new URL('./sequences/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

/** Hex with `xx*N` repeats. */
function bytesOf(text: string): Buffer {
  return fromHex(text.replace(/([0-9a-fA-F]{2})\*(\d+)/g, (_, byte: string, n: string) => byte.repeat(Number(n))));
}

function utf8String(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** A valid CONNECT: clean session, keep-alive 60, this client id, no properties. */
function connectBytes(version: 4 | 5, clientId: string): Buffer {
  const body = Buffer.concat([
    utf8String('MQTT'), Buffer.from([version, 0x02, 0x00, 0x3c]), version === 5 ? Buffer.from([0x00]) : Buffer.alloc(0), utf8String(clientId),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** Offset of the variable header in a whole frame. */
function bodyStart(frame: Buffer): number {
  let i = 1;
  while (frame[i] & 0x80) i++;
  return i + 1;
}

type Outcome = 'open' | 'closed';

async function expectConnack(client: ByteClient, version: 4 | 5, want: string, orClose: boolean, where: string): Promise<Outcome> {
  const frame = await client.frame();
  if (frame === null) {
    if (orClose) return 'closed';
    throw new Error(`${where}: the broker closed the connection instead of sending CONNACK ${want}`);
  }
  if (version === 4) {
    expect(hex(frame), `${where}: 3.1.1 CONNACK`).toBe(`20 02 00 ${want.toLowerCase()}`);
    return 'open';
  }
  const at = bodyStart(frame);
  expect(frame[0], `${where}: expected a CONNACK, got ${hex(frame)}`).toBe(0x20);
  expect(frame[at], `${where}: CONNACK session present flag in ${hex(frame)}`).toBe(0);
  expect(frame[at + 1].toString(16).padStart(2, '0'), `${where}: CONNACK reason code in ${hex(frame)}`).toBe(want.toLowerCase());
  return 'open';
}

async function runStep(client: ByteClient, c: Case, step: Step, where: string): Promise<Outcome> {
  if ('send' in step) {
    client.write(bytesOf(step.send));
    return 'open';
  }
  if ('trickle' in step) {
    const chunk = bytesOf(step.trickle);
    for (let i = 0; i < step.count && !client.closed; i++) {
      client.write(chunk);
      await client.drained();
      await new Promise((r) => setImmediate(r));
    }
    return 'open';
  }
  if ('expect' in step && typeof step.expect !== 'string') {
    const wants = step.expect.map((w) => hex(bytesOf(w)));
    const frame = await client.frame();
    if (frame === null && step.orClose) return 'closed';
    if (frame === null) throw new Error(`${where}: the broker closed the connection instead of sending one of [${wants.join('] [')}]`);
    expect(wants, `${where}: got [${hex(frame)}]`).toContain(hex(frame));
    return 'open';
  }
  if ('expect' in step && typeof step.expect === 'string') {
    const want = bytesOf(step.expect);
    const got = await client.read(want.length);
    if (got.length === 0 && client.closed && step.orClose) return 'closed';
    if (got.length < want.length) {
      throw new Error(`${where}: the broker closed the connection after sending [${hex(got)}] instead of [${hex(want)}]`);
    }
    expect(hex(got), where).toBe(hex(want));
    return 'open';
  }
  if ('expectConnack' in step) return expectConnack(client, c.version, step.expectConnack, step.orClose === true, where);
  if ('expectDisconnect' in step) {
    const codes = [step.expectDisconnect].flat().map((s) => s.toLowerCase());
    const frame = await client.frame();
    if (frame === null) throw new Error(`${where}: the broker closed the connection without DISCONNECT ${codes.join(' / ')}`);
    expect(frame[0], `${where}: expected DISCONNECT ${codes.join(' / ')}, got ${hex(frame)}`).toBe(0xe0);
    const at = bodyStart(frame);
    const reason = (at < frame.length ? frame[at] : 0).toString(16).padStart(2, '0');
    expect(codes, `${where}: DISCONNECT reason code 0x${reason} in ${hex(frame)}`).toContain(reason);
    await expectClosed(client, `${where}: after DISCONNECT the broker closes and sends nothing more`);
    return 'closed';
  }
  await expectClosed(client, `${where}: the broker closes the connection and sends nothing (more)`);
  return 'closed';
}

async function expectClosed(client: ByteClient, what: string): Promise<void> {
  const { closed, bytes } = await client.closeOrBytes();
  if (!closed || bytes.length > 0) throw new Error(`${what}, but it sent [${hex(bytes)}]${closed ? ' and then closed' : ''}`);
}

async function runCase(port: number, c: Case, clientId: string): Promise<void> {
  const client = await ByteClient.open(port);
  try {
    if (c.connect) {
      client.write(connectBytes(c.version, clientId));
      await expectConnack(client, c.version, '00', false, 'the CONNECT before the steps');
    }
    let outcome: Outcome = 'open';
    for (const [i, step] of c.steps.entries()) {
      outcome = await runStep(client, c, step, `step ${i + 1} ${JSON.stringify(step).slice(0, 90)}`);
      if (outcome === 'closed') break;
    }
    if (outcome === 'open') {
      // Not closed: the connection must still work, and the broker must have sent nothing the steps did not
      // expect. A QoS 1 PUBLISH with a packet id used nowhere else: its PUBACK must be the very next packet.
      const topic = Buffer.from('runner/alive');
      const body = Buffer.concat([Buffer.from([0, topic.length]), topic, Buffer.from([0xbe, 0xef]), c.version === 5 ? Buffer.from([0]) : Buffer.alloc(0)]);
      client.write(Buffer.concat([Buffer.from([0x32, body.length]), body]));
      const frame = await client.frame();
      const pubacks = c.version === 5 ? ['40 02 be ef', '40 03 be ef 00', '40 04 be ef 00 00'] : ['40 02 be ef'];
      expect(pubacks, `after the steps the connection still works and nothing unexpected came first: got [${frame ? hex(frame) : 'a close'}]`)
        .toContain(frame ? hex(frame) : 'closed');
    }
  } finally {
    client.destroy();
  }
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  await withTimeout((async () => {
    while (!condition()) await sleep(10);
  })(), ms, what);
}

// The runner must be able to fail: wrong bytes, a close that does not come, a DISCONNECT that is not sent.
describe('13-malformed: the runner itself', () => {
  let b: TestBroker;
  beforeAll(async () => { b = await startBroker(); });
  afterAll(() => b?.close());
  const wrong: Array<[string, Case]> = [
    ['wrong bytes', { name: '[§0] x', version: 4, connect: true, steps: [{ send: 'c0 00' }, { expect: 'd0 01' }] }],
    ['none of several encodings', { name: '[§0] x', version: 4, connect: true, steps: [{ send: 'c0 00' }, { expect: ['d0 01', 'd1 00'] }] }],
    ['a close that does not come', { name: '[§0] x', version: 4, connect: true, steps: [{ send: 'c0 00' }, { expectClose: true }] }],
    ['a DISCONNECT that is not sent', { name: '[§0] x', version: 5, connect: true, steps: [{ send: 'c0 00' }, { expectDisconnect: '81' }] }],
    ['a wrong CONNACK code', { name: '[§0] x', version: 4, connect: false, steps: [{ send: '10 0d 0004 4d515454 06 02 003c 0001 78' }, { expectConnack: '02' }] }],
    ['bytes left after the steps', { name: '[§0] x', version: 4, connect: true, steps: [{ send: 'c0 00' }] }],
  ];
  for (const [what, c] of wrong) {
    it(`fails on ${what}`, async () => {
      await expect(runCase(b.port, Case.parse(c), `runner-${what.replace(/\W+/g, '-')}`)).rejects.toThrow();
    });
  }
});

for (const file of files) {
  const base = basename(file, '.json');
  const sequence = SequenceFile.parse(JSON.parse(readFileSync(join(dir, file), 'utf8')));

  describe(`13-malformed: ${base}`, () => {
    let b: TestBroker;
    beforeAll(async () => {
      b = await startBroker(sequence.broker?.limits ? { limits: sequence.broker.limits } : {});
    });
    afterAll(() => b?.close());

    sequence.cases.forEach((c, index) => {
      it(`${c.name} (MQTT ${c.version === 5 ? '5' : '3.1.1'})`, async () => {
        await runCase(b.port, c, `seq-${base}-${index}`);
      });
    });

    it('afterwards the broker still serves mqtt.js clients (3.1.1 and 5) and holds no stray connection', async () => {
      await until(() => b.broker.connectedCount === 0, 5000, `connectedCount to return to 0 (is ${b.broker.connectedCount})`);
      const sub = await connect(b.url, { clientId: `after-${base}-sub`, protocolVersion: 5 });
      const pub = await connect(b.url, { clientId: `after-${base}-pub`, protocolVersion: 4 });
      try {
        const got = collect(sub);
        await sub.subscribeAsync(`after/${base}/+`, { qos: 1 });
        await pub.publishAsync(`after/${base}/x`, 'still serving', { qos: 1 });
        const [message] = await got.count(1);
        expect(message).toMatchObject({ topic: `after/${base}/x`, payload: 'still serving', qos: 1 });
        expect(b.broker.connectedCount).toBe(2);
      } finally {
        await end(sub, pub);
      }
    });
  });
}
