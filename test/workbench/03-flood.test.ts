// 10,000 msg/s for 10 s through the broker with the API's event stream attached: batches keep their
// cadence and size bound, memory stays under a ceiling, and every packet is in the traffic log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, until } from '../helpers/broker.js';
import { startWorkbench, type TestWorkbench } from '../helpers/workbench.js';

const RATE = 10_000;
const SECONDS = 10;
const CADENCE_MS = 100;

let t: TestWorkbench;
beforeAll(async () => {
  t = await startWorkbench({ eventCadenceMs: CADENCE_MS });
});
afterAll(() => t?.close());

describe('workbench: flood', () => {
  it(`${RATE} msg/s for ${SECONDS} s`, async () => {
    const url = t.workbench.broker.addresses.find((a) => a.protocol === 'tcp')!.url;
    const subscriber = await connect(url, { clientId: 'flood-sub' });
    let received = 0;
    subscriber.on('message', () => received++);
    await subscriber.subscribeAsync('flood/#', { qos: 0 });
    const publisher = await connect(url, { clientId: 'flood-pub' });
    const payload = Buffer.alloc(64, 7);
    const heapBefore = process.memoryUsage().heapUsed;
    let peakHeap = heapBefore;
    const batchesBefore = t.batches.length;
    const started = Date.now();
    let sent = 0;
    // 1 ms ticks, each catching up to the target rate.
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(RATE * SECONDS, Math.floor(((Date.now() - started) * RATE) / 1000));
        for (; sent < due; sent++) publisher.publish(`flood/${sent % 50}`, payload, { qos: 0 });
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        if (sent >= RATE * SECONDS) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    await until(() => received >= sent, `all ${sent} messages at the subscriber (got ${received})`, 30_000);
    const elapsedMs = Date.now() - started;
    subscriber.end(true);
    publisher.end(true);
    await new Promise((r) => setTimeout(r, 3 * CADENCE_MS)); // the last packets' batch

    // Batched at the cadence: no more batches than ticks (plus slack for timer jitter), each bounded.
    const batches = t.batches.slice(batchesBefore);
    expect(batches.length).toBeGreaterThan(elapsedMs / CADENCE_MS / 2);
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / CADENCE_MS) + 5);
    for (const batch of batches) expect(batch.events.filter((e) => e.type === 'packet').length).toBeLessThanOrEqual(2000);
    const delivered = batches.reduce((n, b) => n + b.events.filter((e) => e.type === 'packet').length + b.droppedPackets, 0);
    expect(delivered).toBeGreaterThanOrEqual(2 * sent); // every packet was either sent as an event or counted

    // The live counters saw who floods and where.
    const counters = batches.flatMap((b) => b.events).flatMap((e) => (e.type === 'counters' ? [e.counters] : []));
    expect(counters.some((c) => (c.clients.find((x) => x.key === 'flood-pub')?.inPerS ?? 0) > 0)).toBe(true);
    expect(counters.some((c) => (c.clients.find((x) => x.key === 'flood-sub')?.outPerS ?? 0) > 0)).toBe(true);
    expect(counters.some((c) => (c.topics.find((x) => x.key === 'flood/#')?.inPerS ?? 0) > 0)).toBe(true);

    // Memory: the in-process heap (broker + workbench + this test's clients) stays under a fixed ceiling.
    expect(peakHeap - heapBefore).toBeLessThan(200 * 1024 * 1024);

    // Nothing lost in the log: every PUBLISH in from the publisher and out to the subscriber.
    const countOf = async (connection: string, direction: 'in' | 'out') => {
      let n = 0;
      let cursor: number | undefined;
      for (;;) {
        const page = await t.workbench.call('traffic.query', {
          connections: [connection], side: 'broker', types: ['publish'], limit: 1000, payloadBytes: 0, ...(cursor ? { cursor } : {}),
        });
        n += page.records.filter((r) => r.direction === direction).length;
        if (page.next === null) return n;
        cursor = page.next;
      }
    };
    expect(await countOf('flood-pub', 'in')).toBe(sent);
    expect(await countOf('flood-sub', 'out')).toBe(sent);
    console.log(`flood: ${sent} msgs in ${elapsedMs} ms, ${batches.length} batches, peak heap +${((peakHeap - heapBefore) / 1048576).toFixed(1)} MiB`);
  }, 90_000);
});
