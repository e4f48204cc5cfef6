// The Timeline: a swim-lane sequence diagram of every packet between the named clients, the broker and
// other connections. Traffic comes from the API (named clients) and from an outside mqtt.js client; the
// diagram shows the lanes and each exchange in order, and its filters, pause, detail and list mode work.
import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, end } from '../helpers/broker.js';
import { screenshot, startE2E, type E2E } from './browser.js';

let e: E2E;
let outside: MqttClient | undefined;
beforeAll(async () => {
  e = await startE2E();
}, 60_000);
afterAll(async () => {
  if (outside) await end(outside);
  await e?.close();
});

const POLL = { timeout: 8000, interval: 100 };
const call = (...args: Parameters<E2E['workbench']['call']>) => e.workbench.call(...args);
const publish = (topic: string, qos: 0 | 1 | 2, data: string, retain = false) =>
  e.workbench.call('clients.publish', { name: 'myClient1', topic, qos, retain, payload: { data } });

/** Every row's accessible name, in order: scrolls the windowed list from top to bottom to see them all. */
async function rowLabels(page: Page): Promise<string[]> {
  const list = `document.querySelector('[role=listbox][aria-label="Packets"]')`;
  const read = async () => (await page.evaluate(
    `[...${list}.querySelectorAll('[role=option]')].map((o) => [Number(o.getAttribute('aria-posinset')), o.getAttribute('aria-label'), Number(o.getAttribute('aria-setsize'))])`,
  )) as Array<[number, string, number]>;
  // The rows for a scroll position are rendered once rows cover the viewport from its top edge to its
  // bottom edge (or to the last row).
  const rendered = `(() => { const el = ${list}; const view = el.getBoundingClientRect();
    const rows = [...el.querySelectorAll('[role=option]')].map((o) => [o.getBoundingClientRect(), o.getAttribute('aria-posinset') === o.getAttribute('aria-setsize')]);
    const spans = (y) => rows.some(([b]) => b.top <= y && b.bottom > y);
    return spans(view.top + 1) && (spans(view.bottom - 1) || rows.some(([b, last]) => last && b.bottom <= view.bottom)); })()`;
  // How many rows there are: the toolbar's "N of M packets".
  const total = Number.parseInt((await page.getByText(/^\d+ of \d+ packets$/).textContent()) ?? '', 10);
  const labels = new Map<number, string>();
  for (let pass = 0; pass < 3 && labels.size < total; pass++) {
    const [height, scrollHeight] = (await page.evaluate(`[${list}.clientHeight, ${list}.scrollHeight]`)) as [number, number];
    for (let top = 0; top < scrollHeight && labels.size < total; top += Math.max(50, height - 40)) {
      await page.evaluate(`${list}.scrollTop = ${top}`);
      for (let tries = 0; tries < 100 && !(await page.evaluate(rendered)); tries++) await page.waitForTimeout(20);
      for (const [pos, label, size] of await read()) if (size === total) labels.set(pos, label);
    }
  }
  expect(labels.size, 'rows seen while scrolling').toBe(total);
  await page.evaluate(`${list}.scrollTop = 1e9`);
  return [...labels].sort((a, b) => a[0] - b[0]).map(([, label]) => label);
}

/** The labels matching `pattern`, in order. */
const only = (labels: string[], pattern: RegExp) => labels.filter((l) => pattern.test(l));

describe('e2e: timeline', () => {
  it('draws lanes and every exchange in order: CONNECT/CONNACK first, the QoS 2 handshake on both lanes', async () => {
    const { page } = e;
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await call('clients.create', { name: 'myClient1', protocolVersion: 5 });
    await call('clients.create', { name: 'myClient2', will: { topic: 'lab/status/myClient2', payload: { data: 'offline' }, retain: true } });
    await call('clients.connect', { name: 'myClient1' });
    await call('clients.connect', { name: 'myClient2' });
    await call('clients.subscribe', { name: 'myClient2', filter: 'lab/#', qos: 2 });
    await publish('lab/q0', 0, 'hello at qos 0');
    await publish('lab/q1', 1, '{"temperature": 21.5}');
    await publish('lab/q2', 2, 'exactly once');
    await publish('lab/retained', 1, 'kept value', true);
    const url = e.workbench.broker.addresses.find((a) => a.protocol === 'tcp')!.url;
    outside = await connect(url, { clientId: 'sensor-42' });
    await new Promise<void>((resolve, reject) => outside!.publish('lab/outside', '7', { qos: 1 }, (err) => (err ? reject(err) : resolve())));

    const lanes = page.getByRole('list', { name: 'Lanes' });
    await lanes.getByText('other connections').waitFor();
    expect(await lanes.getByRole('listitem').allTextContents()).toEqual(['myClient1', 'broker', 'myClient2', 'other connections']);

    await expect.poll(async () => only(await rowLabels(page), /^PUBACK broker → sensor-42/).length, POLL).toBe(1);
    const labels = await rowLabels(page);
    // Each lane starts with its CONNECT and CONNACK.
    expect(only(labels, /myClient1/).slice(0, 2)).toEqual([
      expect.stringMatching(/^CONNECT myClient1 → broker/), expect.stringMatching(/^CONNACK broker → myClient1/),
    ]);
    expect(only(labels, /myClient2/).slice(0, 2)).toEqual([
      expect.stringMatching(/^CONNECT myClient2 → broker/), expect.stringMatching(/^CONNACK broker → myClient2/),
    ]);
    // The QoS 2 exchange, publisher side then subscriber side, each in protocol order with one packet id.
    const q2 = only(labels, /^(PUBLISH .* lab\/q2 |PUBREC|PUBREL|PUBCOMP)/);
    const sender = only(q2, /myClient1/);
    const receiver = only(q2, /myClient2/);
    expect(sender.map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual([
      'PUBLISH myClient1 → broker', 'PUBREC broker → myClient1', 'PUBREL myClient1 → broker', 'PUBCOMP broker → myClient1',
    ]);
    expect(receiver.map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual([
      'PUBLISH broker → myClient2', 'PUBREC myClient2 → broker', 'PUBREL broker → myClient2', 'PUBCOMP myClient2 → broker',
    ]);
    expect(sender[0]).toMatch(/lab\/q2 Q2 #\d+/);
    expect(new Set(sender.map((l) => /#(\d+)/.exec(l)?.[1])).size).toBe(1);
    expect(new Set(receiver.map((l) => /#(\d+)/.exec(l)?.[1])).size).toBe(1);
    // Retained, QoS 1 and the outside client's lane; no double arrows for named clients.
    expect(only(labels, /^PUBLISH myClient1 → broker lab\/retained Q1 R #\d+/)).toHaveLength(1);
    expect(only(labels, /^PUBLISH sensor-42 → broker lab\/outside Q1/)).toHaveLength(1);
    expect(only(labels, /seen by the broker/)).toEqual([]);

    // Both ends, for teaching: the broker's record of each named client's packet as well.
    await page.getByRole('checkbox', { name: 'Show both ends' }).check();
    await expect.poll(async () => only(await rowLabels(page), /^PUBREL myClient1 → broker .*seen by the broker/).length, POLL).toBe(1);
    await page.getByRole('checkbox', { name: 'Show both ends' }).uncheck();
    expect(e.pageErrors).toEqual([]);
  });

  it('filters by packet type, topic and lane', async () => {
    const { page } = e;
    await page.getByRole('button', { name: /^Packet types/ }).click();
    await page.getByRole('button', { name: 'Only PUBLISH' }).click();
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await rowLabels(page)).every((l) => l.startsWith('PUBLISH ')), POLL).toBe(true);
    expect(await rowLabels(page)).toHaveLength(10); // 4 from myClient1 and 1 from sensor-42, each to myClient2

    await page.getByLabel('Topic filter').fill('lab/q1');
    await expect.poll(async () => (await rowLabels(page)).map((l) => l.split(' ').slice(0, 5).join(' ')), POLL).toEqual([
      'PUBLISH myClient1 → broker lab/q1', 'PUBLISH broker → myClient2 lab/q1',
    ]);
    await page.getByLabel('Topic filter').fill('lab/#');
    await page.getByRole('button', { name: /^Lanes/ }).click();
    await page.getByRole('checkbox', { name: 'myClient2' }).uncheck();
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await rowLabels(page)).length, POLL).toBe(5);
    expect(await page.getByRole('list', { name: 'Lanes' }).getByRole('listitem').allTextContents()).toEqual(['myClient1', 'broker', 'other connections']);

    // Back to everything.
    await page.getByRole('button', { name: /^Lanes/ }).click();
    await page.getByRole('checkbox', { name: 'myClient2' }).check();
    await page.keyboard.press('Escape');
    await page.getByLabel('Topic filter').fill('');
    await page.getByRole('button', { name: /^Packet types/ }).click();
    await page.getByRole('button', { name: 'All types' }).click();
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await rowLabels(page)).some((l) => l.startsWith('CONNECT')), POLL).toBe(true);
    expect(e.pageErrors).toEqual([]);
  });

  it('pauses: new packets wait outside, counted as skipped; resume shows new ones again', async () => {
    const { page } = e;
    const before = (await rowLabels(page)).length;
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
    await publish('lab/paused', 1, 'while paused');
    const skipped = page.getByRole('status').filter({ hasText: 'skipped' });
    await expect.poll(async () => Number.parseInt((await skipped.textContent()) ?? '0', 10), POLL).toBeGreaterThanOrEqual(6);
    expect((await rowLabels(page)).length).toBe(before);
    expect(only(await rowLabels(page), /lab\/paused/)).toEqual([]);

    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await publish('lab/resumed', 0, 'live again');
    await expect.poll(async () => only(await rowLabels(page), /lab\/resumed/).length, POLL).toBe(2);
    expect(only(await rowLabels(page), /lab\/paused/)).toEqual([]);
    expect(e.pageErrors).toEqual([]);
  });

  it('shows a packet in the detail panel: decoded fields and payload; the list mode shows the same packets', async () => {
    const { page } = e;
    const packets = page.getByRole('listbox', { name: 'Packets' });
    // Only the rows in view are in the page: narrow the list to the one to click.
    await page.getByLabel('Topic filter').fill('lab/q1');
    await packets.getByRole('option', { name: /^PUBLISH myClient1 → broker lab\/q1 / }).click();
    const detail = page.getByRole('region', { name: 'Packet', exact: true });
    await detail.getByText('lab/q1', { exact: true }).waitFor();
    expect(await detail.getByRole('table', { name: 'Packet summary' }).textContent()).toMatch(/QoS1.*Packet id\d+/);
    expect(await detail.locator('.tree').last().textContent()).toMatch(/temperature:\s*21\.5/);
    // Its bytes: PUBLISH QoS 1 (0x32), the remaining length, the topic's length and the topic, … the payload.
    const dump = (await detail.getByLabel('Packet bytes').textContent()) ?? '';
    expect(dump).toMatch(/^00000000  32 [0-9a-f]{2} 00 06 6c 61 62 2f  .{8}\n00000008  71 31 /);
    expect(dump.replace(/^.{35}/gm, '').replace(/\n/g, '')).toContain('lab/q1');
    await detail.getByText(/^fixed header 2 B · variable header \d+ B · payload \d+ B — /).waitFor();

    // A CONNECT: its decoded fields (client id, keep-alive, protocol, the will).
    await page.getByLabel('Topic filter').fill('');
    await page.evaluate(`document.querySelector('[role=listbox][aria-label="Packets"]').scrollTop = 0`);
    await packets.getByRole('option', { name: /^CONNECT myClient2 → broker/ }).click();
    const fields = detail.getByRole('group', { name: 'Decoded fields' });
    await fields.getByText('clientId:').waitFor();
    const text = (await fields.textContent()) ?? '';
    expect(text).toContain('"myClient2"');
    expect(text).toMatch(/keepalive:\s*60/);
    expect(text).toContain('"lab/status/myClient2"');

    const diagram = await rowLabels(page);
    await page.getByRole('group', { name: 'Timeline mode' }).getByRole('button', { name: 'List' }).click();
    await page.locator('.packet-list').waitFor();
    expect(await rowLabels(page)).toEqual(diagram);
    await page.getByLabel('Topic filter').fill('lab/retained');
    const row = packets.getByRole('option', { name: /^PUBLISH myClient1 → broker lab\/retained/ });
    expect(await row.locator('.ends').textContent()).toBe('myClient1 → broker');
    expect(await row.locator('.topic').textContent()).toBe('lab/retained');
    expect(await row.locator('.marks').textContent()).toMatch(/^Q1R#\d+$/);
    expect(await row.locator('.size').textContent()).toBe('10 B');
    await row.click();
    await detail.getByRole('group', { name: 'Payload view' }).waitFor();
    expect(await detail.locator('.payload pre').textContent()).toBe('kept value');
    await page.getByLabel('Topic filter').fill('');
    await page.getByRole('group', { name: 'Timeline mode' }).getByRole('button', { name: 'Diagram' }).click();
    expect(e.pageErrors).toEqual([]);
  });

  it('keeps following the newest packet when the window gets smaller', async () => {
    const { page } = e;
    const list = `document.querySelector('[role=listbox][aria-label="Packets"]')`;
    const gapBelow = async () => (await page.evaluate(`${list}.scrollHeight - ${list}.scrollTop - ${list}.clientHeight`)) as number;
    await page.evaluate(`${list}.scrollTop = 1e9`);
    await expect.poll(gapBelow, POLL).toBeLessThan(1);
    await page.setViewportSize({ width: 1280, height: 500 });
    await expect.poll(gapBelow, POLL).toBeLessThan(1);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(e.pageErrors).toEqual([]);
  });

  it('works the same after a switch to another view and back (its state outlives the view)', async () => {
    const { page } = e;
    await page.getByRole('tab', { name: 'Broker' }).click();
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await publish('lab/after-switch', 0, 'x');
    await page.getByRole('listbox', { name: 'Packets' }).getByRole('option', { name: /^PUBLISH broker → myClient2 lab\/after-switch/ }).waitFor();
    expect(e.pageErrors).toEqual([]);
  });

  it('marks a will delivery with W and whose will it is', async () => {
    const { page } = e;
    const url = e.workbench.broker.addresses.find((a) => a.protocol === 'tcp')!.url;
    const device = await connect(url, { clientId: 'sensor-43', will: { topic: 'lab/status/sensor-43', payload: Buffer.from('lost'), qos: 1, retain: false } });
    await new Promise<void>((resolve) => device.publish('lab/status/sensor-43', 'online', { qos: 1 }, () => resolve()));
    device.stream.destroy(); // gone without a DISCONNECT: the broker publishes its will
    const packets = page.getByRole('listbox', { name: 'Packets' });
    const will = packets.getByRole('option', { name: /^PUBLISH broker → myClient2 lab\/status\/sensor-43 Q1 #\d+ W$/ });
    await will.waitFor();
    // Only the will: the same topic's ordinary PUBLISH before it has no W.
    await expect.poll(async () => packets.getByRole('option', { name: /^PUBLISH broker → myClient2 lab\/status\/sensor-43 / }).count(), POLL).toBe(2);
    await will.click();
    expect(await page.getByRole('region', { name: 'Packet', exact: true }).getByRole('table', { name: 'Packet summary' }).textContent()).toContain('Willdelivers the will of sensor-43');
    device.end(true);
    expect(e.pageErrors).toEqual([]);
  });

  it('renders a realistic session for the docs', async () => {
    const { page } = e;
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await call('clients.subscribe', { name: 'myClient1', filter: 'lab/commands/#', qos: 1 });
    for (const [topic, qos, data] of [
      ['lab/sensors/kitchen', 0, '{"temperature": 22.4}'], ['lab/sensors/hall', 1, '{"temperature": 19.8}'],
      ['lab/status/boiler', 2, 'on'],
    ] as const) await publish(topic, qos, data, topic === 'lab/status/boiler');
    await new Promise<void>((resolve) => outside!.publish('lab/commands/fan', 'speed=2', { qos: 1 }, () => resolve()));
    await call('clients.disconnect', { name: 'myClient2' });
    await expect.poll(async () => only(await rowLabels(page), /^DISCONNECT myClient2/).length, POLL).toBe(1);
    await page.getByRole('listbox', { name: 'Packets' }).getByRole('option', { name: /^PUBLISH myClient1 → broker lab\/status\/boiler/ }).click();
    await screenshot(page, 'timeline');
    expect(e.pageErrors).toEqual([]);
  });
});
