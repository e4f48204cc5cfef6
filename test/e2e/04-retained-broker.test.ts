// The Retained tab (what the broker keeps for new subscribers: search, delete one, delete a subtree after
// a confirmation) and the Broker tab (listeners, sessions with an offline queue, and the live counters
// that show who floods the broker). Traffic comes from the API and from outside mqtt.js clients.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, end, withTimeout } from '../helpers/broker.js';
import { screenshot, startE2E, type E2E } from './browser.js';

let e: E2E;
const outside: MqttClient[] = [];
beforeAll(async () => {
  e = await startE2E();
  await e.workbench.call('clients.create', { name: 'myClient1' });
  await e.workbench.call('clients.connect', { name: 'myClient1' });
}, 60_000);
afterAll(async () => {
  await end(...outside);
  await e?.close();
});

const POLL = { timeout: 8000, interval: 100 };
const tcpUrl = () => e.workbench.broker.addresses.find((a) => a.protocol === 'tcp')!.url;
const publish = (topic: string, data: string, qos: 0 | 1 | 2 = 1, retain = true) =>
  e.workbench.call('clients.publish', { name: 'myClient1', topic, qos, retain, payload: { data } });
const retainedTopics = async (filter = '#') => (await e.workbench.call('retained.list', { filter })).entries.map((r) => r.topic).sort();
const clock = /^\d\d:\d\d:\d\d\.\d{3}$/;

describe('e2e: retained', () => {
  it('lists retained messages with publisher and time; search narrows; delete one; delete a subtree after confirming', async () => {
    const { page } = e;
    for (const [topic, data] of [
      ['lab/sensors/kitchen', '{"temperature": 22.4, "humidity": 41}'], ['lab/sensors/hall', '{"temperature": 19.8}'],
      ['lab/sensors/garage', '{"temperature": 12.1}'], ['lab/status/boiler', 'on'], ['home/light', 'off'],
      ['old', 'v0'], ['old/a', 'v1'], ['old/b/c', 'v2'],
    ] as const) await publish(topic, data);
    const sensor = await connect(tcpUrl(), { clientId: 'sensor-42' });
    outside.push(sensor);
    await withTimeout(sensor.publishAsync('plant/line1/temp', '71.5', { qos: 1, retain: true }), 5000, 'the outside publish');

    await page.getByRole('tab', { name: 'Retained' }).click();
    const table = page.getByRole('table', { name: 'Retained messages' });
    const row = (topic: string) => table.getByRole('row').filter({ has: page.getByRole('button', { name: `Show ${topic}`, exact: true }) });
    await expect.poll(() => table.getByRole('button', { name: /^Show / }).count(), POLL).toBe(9);
    const cells = async (topic: string) => (await row(topic).getByRole('cell').allTextContents()).map((c) => c.trim());
    const kitchen = await cells('lab/sensors/kitchen');
    expect(kitchen.slice(0, 5)).toEqual(['lab/sensors/kitchen', '{"temperature": 22.4, "humidity": 41}', '1', '37 B', 'myClient1']);
    expect(kitchen[5]).toMatch(clock);
    expect((await cells('plant/line1/temp')).slice(0, 5)).toEqual(['plant/line1/temp', '71.5', '1', '4 B', 'sensor-42']);
    await page.getByText('9 held by the broker').waitFor();

    // Search narrows (server side), and clearing it brings everything back.
    await page.getByLabel('Search retained topics').fill('sensors');
    await expect.poll(() => table.getByRole('button', { name: /^Show / }).count(), POLL).toBe(3);
    await page.getByText('3 matching “sensors”').waitFor();
    await page.getByLabel('Search retained topics').fill('');
    await expect.poll(() => table.getByRole('button', { name: /^Show / }).count(), POLL).toBe(9);

    // Click a row: its payload in the viewer.
    await page.getByRole('button', { name: 'Show lab/sensors/kitchen', exact: true }).click();
    const detail = page.getByRole('region', { name: 'Retained message', exact: true });
    expect(await detail.getByLabel('Retained topic').textContent()).toBe('lab/sensors/kitchen');
    expect(await detail.locator('.tree').textContent()).toMatch(/humidity:\s*41/);

    // Delete one.
    await page.getByRole('button', { name: 'Delete home/light', exact: true }).click();
    await row('home/light').waitFor({ state: 'detached' });
    expect(await retainedTopics()).not.toContain('home/light');

    // Delete a subtree: the dialog says how many go; Cancel keeps them, confirming deletes them.
    await page.getByLabel('Subtree prefix').fill('old');
    await page.getByRole('button', { name: 'Delete subtree…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete retained subtree' });
    await dialog.getByText('This deletes 3 retained messages').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await retainedTopics('old/#')).toEqual(['old', 'old/a', 'old/b/c']);
    await page.getByRole('button', { name: 'Delete subtree…' }).click();
    await dialog.getByRole('button', { name: 'Delete 3 messages' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Deleted 3 retained messages under old.' }).waitFor();
    await expect.poll(() => table.getByRole('button', { name: /^Show / }).count(), POLL).toBe(5);
    expect(await retainedTopics()).toEqual(['lab/sensors/garage', 'lab/sensors/hall', 'lab/sensors/kitchen', 'lab/status/boiler', 'plant/line1/temp']);

    // The per-row subtree action: lab/status/boiler has nothing under it, so one goes.
    await page.getByRole('button', { name: 'Delete subtree lab/status/boiler', exact: true }).click();
    await dialog.getByText('This deletes 1 retained message').waitFor();
    await dialog.getByRole('button', { name: 'Delete 1 message' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => retainedTopics(), POLL).toEqual(['lab/sensors/garage', 'lab/sensors/hall', 'lab/sensors/kitchen', 'plant/line1/temp']);

    await publish('lab/status/boiler', 'on');
    await publish('lab/status/door', '{"open": false, "since": "08:12"}');
    await expect.poll(() => table.getByRole('button', { name: /^Show / }).count(), POLL).toBe(6);
    await screenshot(page, 'retained');
    expect(e.pageErrors).toEqual([]);
  });
});

describe('e2e: broker', () => {
  it('shows listeners, sessions (an offline persistent one with its queue) and who floods the broker', async () => {
    const { page } = e;
    // A persistent session: subscribe at QoS 1, go offline, and messages queue for it.
    await e.workbench.call('clients.create', { name: 'myClient3', cleanStart: false });
    await e.workbench.call('clients.connect', { name: 'myClient3' });
    await e.workbench.call('clients.subscribe', { name: 'myClient3', filter: 'alerts/#', qos: 1 });
    await e.workbench.call('clients.disconnect', { name: 'myClient3' });
    for (let i = 1; i <= 3; i++) await publish(`alerts/fire/${i}`, `smoke in room ${i}`, 1, false);

    await page.getByRole('tab', { name: 'Broker' }).click();
    const listeners = page.getByRole('list', { name: 'Listeners' });
    await listeners.getByText(tcpUrl(), { exact: true }).waitFor();
    expect(await listeners.textContent()).toContain('ws://127.0.0.1:');

    const sessions = page.getByRole('table', { name: 'Sessions' });
    const session = (id: string) => sessions.getByRole('row').filter({ has: page.getByRole('button', { name: `Session ${id}`, exact: true }) });
    await expect.poll(async () => (await session('myClient3').getByRole('cell').allTextContents()).map((c) => c.trim()), POLL)
      .toEqual(['myClient3', 'offline', 'persistent', 'never', '—', '—', '', '1', '3', '0']);
    expect((await session('myClient1').getByRole('cell').allTextContents()).slice(0, 3).map((c) => c.trim())).toEqual(['myClient1', 'connected', 'clean']);

    await page.getByRole('button', { name: 'Session myClient3', exact: true }).click();
    const subs = page.getByRole('table', { name: 'Subscriptions of myClient3' });
    await subs.getByRole('cell', { name: 'alerts/#' }).waitFor();
    const waiting = page.getByRole('table', { name: 'Messages waiting for myClient3' });
    await expect.poll(() => waiting.getByRole('cell', { name: /^alerts\/fire\/\d$/ }).allTextContents(), POLL)
      .toEqual(['alerts/fire/1', 'alerts/fire/2', 'alerts/fire/3']);
    expect(await waiting.getByRole('row').nth(1).textContent()).toContain('smoke in room 1');

    // An outside client floods: ~1,500 msg/s for a few seconds; it tops the counters.
    const flood = await connect(tcpUrl(), { clientId: 'flood-pub' });
    outside.push(flood);
    const steady = await connect(tcpUrl(), { clientId: 'thermostat' });
    outside.push(steady);
    let sent = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 30; i++) flood.publish(`factory/line${sent % 4}/vibration`, String(sent++ % 100));
      steady.publish('home/thermostat/temp', '21.5');
    }, 20);
    try {
      // A few thousand messages over about 2 s, then the counters are read while it goes on.
      await withTimeout(new Promise<void>((resolve) => {
        const check = () => (sent >= 3000 ? resolve() : setTimeout(check, 50));
        check();
      }), 10_000, 'the flood');
      const clients = page.getByRole('list', { name: 'Top clients by messages per second' });
      await expect.poll(async () => (await clients.getByRole('listitem').first().getAttribute('aria-label')) ?? '', POLL).toMatch(/^flood-pub: [\d,]{3,} in/);
      const topics = page.getByRole('list', { name: 'Top topic subtrees by messages per second' });
      await expect.poll(async () => (await topics.getByRole('listitem').first().getAttribute('aria-label')) ?? '', POLL).toMatch(/^factory\/#: \d/);
      await expect.poll(() => clients.getByRole('listitem', { name: /^thermostat:/ }).count(), POLL).toBe(1);
      await screenshot(page, 'broker');
    } finally {
      clearInterval(timer);
    }
    expect(sent).toBeGreaterThanOrEqual(3000);
    expect(e.pageErrors).toEqual([]);
  }, 30_000);
});
