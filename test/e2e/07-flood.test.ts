// 10,000 msg/s for 10 s into the Timeline and Clients views: the tab's heap stays under a fixed ceiling
// and the UI still answers (bench/ui-flood.js measures the same for 60 s and reports the numbers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { withTimeout } from '../helpers/broker.js';
import { startE2E, type E2E } from './browser.js';

const RATE = 10_000;
const SECONDS = 10;
const HEAP_CEILING_MIB = 96;

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
  for (const name of ['myClient1', 'myClient2']) {
    await e.workbench.call('clients.create', { name });
    await e.workbench.call('clients.connect', { name });
  }
  await e.workbench.call('clients.subscribe', { name: 'myClient2', filter: 'flood/#' });
}, 60_000);
afterAll(() => e?.close());

describe('e2e: flood', () => {
  it(`${RATE} msg/s for ${SECONDS} s: heap bounded, UI answers`, async () => {
    const { page } = e;
    const cdp = await page.context().newCDPSession(page);
    const heapMiB = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize / 1048576;
    };
    await page.getByRole('tab', { name: 'Timeline' }).click();
    const url = e.workbench.broker.addresses.find((a) => a.protocol === 'tcp')!.url;
    const publisher = mqtt.connect(url, { clientId: 'flood-pub', reconnectPeriod: 0 });
    await withTimeout(new Promise((resolve) => publisher.once('connect', resolve)), 5000, 'the publisher');
    const started = Date.now();
    let sent = 0;
    const samples: number[] = [];
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(RATE * SECONDS, Math.floor(((Date.now() - started) * RATE) / 1000));
        for (; sent < due; sent++) publisher.publish(`flood/${sent % 20}/temp`, String(sent % 100));
        if (sent >= RATE * SECONDS) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    samples.push(await heapMiB());
    // The UI still answers: switch views and see them.
    await page.getByRole('tab', { name: 'Clients' }).click();
    expect(await page.getByRole('tab', { name: 'Clients' }).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('tab', { name: 'Topics' }).click();
    await page.getByRole('button', { name: 'Topic flood/7', exact: true }).waitFor();
    samples.push(await heapMiB());
    publisher.end(true);
    console.log(`e2e flood: ${sent} msgs, tab heap after GC ${samples.map((s) => s.toFixed(1)).join(' / ')} MiB`);
    for (const heap of samples) expect(heap).toBeLessThan(HEAP_CEILING_MIB);
    expect(e.pageErrors).toEqual([]);
  }, 60_000);
});
