// The Clients tab, through the UI only: create two clients, connect them, subscribe one, publish from
// the other at every QoS with text, JSON, hex and a retained message, and read what arrived; then check
// in the traffic log that the packets really went through the broker.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import { screenshot, startE2E, type E2E } from './browser.js';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
}, 60_000);
afterAll(() => e?.close());

const POLL = { timeout: 8000, interval: 100 };
const JSON_PAYLOAD = '{"temperature": 21.5, "unit": "°C", "ok": true}';
const HEX_PAYLOAD = 'de ad be ef 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10';

const clientOption = (page: Page, name: string): Locator =>
  page.getByRole('listbox', { name: 'Clients' }).getByRole('option').filter({ has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });

async function createClient(page: Page, v5: boolean): Promise<string> {
  await page.getByRole('button', { name: '+ New', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'New client' });
  const name = await dialog.getByLabel('Name', { exact: true }).inputValue();
  if (v5) await dialog.getByRole('combobox', { name: 'Protocol', exact: true }).selectOption({ label: 'MQTT 5.0' });
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await clientOption(page, name).waitFor();
  return name;
}

async function connect(page: Page, name: string): Promise<void> {
  await clientOption(page, name).click();
  await page.getByRole('group', { name: 'Selected client' }).getByRole('button', { name: 'Connect', exact: true }).click();
  await clientOption(page, name).locator('.state.connected').waitFor();
}

interface Publish {
  topic: string;
  qos: 0 | 1 | 2;
  format?: 'text' | 'json' | 'hex' | 'base64';
  payload: string;
  retain?: boolean;
}

async function publish(page: Page, p: Publish): Promise<string> {
  await page.getByLabel('Publish topic').fill(p.topic);
  await page.getByLabel('Publish QoS').selectOption({ label: `QoS ${p.qos}` });
  await page.getByLabel('Payload format').selectOption(p.format ?? 'text');
  await page.getByLabel('Payload', { exact: true }).fill(p.payload);
  const retain = page.getByRole('checkbox', { name: 'Retain', exact: true });
  await retain.setChecked(p.retain ?? false);
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  const status = page.getByRole('status').filter({ hasText: `at QoS ${p.qos}` });
  await status.waitFor();
  // A publish clears the last result as it starts, so this is this publish's.
  return (await status.textContent()) ?? '';
}

describe('e2e: clients', () => {
  it('creates, connects, subscribes and publishes at QoS 0/1/2 and retained; the subscriber lists all four', async () => {
    const { page } = e;
    expect(await createClient(page, false)).toBe('myClient1');
    expect(await createClient(page, true)).toBe('myClient2');
    await connect(page, 'myClient1');
    await connect(page, 'myClient2');

    // myClient2 (MQTT 5) subscribes lab/# at QoS 2, keeping the retain flag as published.
    await clientOption(page, 'myClient2').click();
    await page.getByLabel('Topic filter').fill('lab/#');
    await page.getByLabel('Subscription QoS').selectOption({ label: 'QoS 2' });
    await page.getByRole('checkbox', { name: 'Retain as published' }).check();
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    const subs = page.getByRole('list', { name: 'Subscriptions of myClient2' });
    await subs.getByText('lab/#', { exact: true }).waitFor();
    expect(await subs.locator('li').first().textContent()).toContain('QoS 2');

    // myClient1 (3.1.1) publishes.
    await clientOption(page, 'myClient1').click();
    expect(await page.getByRole('checkbox', { name: 'Retain as published' }).count()).toBe(0); // v5 only
    expect(await page.getByText('MQTT 5 properties').count()).toBe(0);
    expect(await publish(page, { topic: 'lab/plain', qos: 0, payload: 'hello at qos 0' })).toMatch(/published 14 B at QoS 0$/);
    expect(await publish(page, { topic: 'lab/json', qos: 1, format: 'json', payload: JSON_PAYLOAD })).toMatch(/QoS 1 · packet id \d+/);
    expect(await publish(page, { topic: 'lab/hex', qos: 2, format: 'hex', payload: HEX_PAYLOAD })).toMatch(/published 21 B at QoS 2 · packet id \d+/);
    await publish(page, { topic: 'lab/retained', qos: 1, payload: 'kept value', retain: true });

    // myClient2's messages: topic, QoS, retain flag, payload preview, newest at the bottom.
    await clientOption(page, 'myClient2').click();
    const list = page.getByRole('listbox', { name: 'Messages of myClient2' });
    await expect.poll(() => list.getByRole('option').count(), POLL).toBe(4);
    expect(await list.locator('.topic').allTextContents()).toEqual(['lab/plain', 'lab/json', 'lab/hex', 'lab/retained']);
    expect(await list.locator('.qos').allTextContents()).toEqual(['0', '1', '2', '1']);
    const retained = await Promise.all([0, 1, 2, 3].map((i) => list.getByRole('option').nth(i).locator('.retain').count()));
    expect(retained).toEqual([0, 0, 0, 1]);
    expect(await list.locator('.preview').allTextContents()).toEqual([
      'hello at qos 0', JSON_PAYLOAD, HEX_PAYLOAD, 'kept value',
    ]);

    // The JSON one in the payload viewer: a tree; and as a hex dump with offsets.
    const detail = page.getByRole('region', { name: 'Message', exact: true });
    await list.getByRole('option').nth(1).click();
    await detail.getByLabel('Message topic').getByText('lab/json').waitFor();
    expect(await detail.getByRole('button', { name: 'JSON', exact: true }).getAttribute('aria-pressed')).toBe('true');
    const tree = detail.locator('.tree');
    expect(await tree.textContent()).toMatch(/temperature:\s*21\.5/);
    expect(await tree.textContent()).toContain('"°C"');
    await detail.getByRole('button', { name: 'Hex', exact: true }).click();
    expect(await detail.getByLabel('Hex dump').textContent()).toMatch(/^00000000 {2}7b 22 74 65 6d 70/);

    // The binary one opens as a hex dump: two lines, offsets 0 and 0x10.
    await list.getByRole('option').nth(2).click();
    await detail.getByLabel('Message topic').getByText('lab/hex').waitFor();
    const dump = (await detail.getByLabel('Hex dump').textContent()) ?? '';
    expect(dump.split('\n')).toEqual([
      '00000000  de ad be ef 00 01 02 03 04 05 06 07 08 09 0a 0b  ................',
      '00000010  0c 0d 0e 0f 10                                   .....',
    ]);
    expect(await detail.getByRole('button', { name: 'Text', exact: true }).isDisabled()).toBe(true);

    // The broker saw each PUBLISH come in from myClient1 and go out to myClient2.
    const brokerPublishes = async (): Promise<TrafficRecord[]> => (await e.workbench.call('traffic.query', {
      side: 'broker', topic: 'lab/#', types: ['publish'], order: 'asc', limit: 100,
    })).records;
    await expect.poll(async () => (await brokerPublishes()).length, POLL).toBe(8);
    const records = await brokerPublishes();
    const incoming = records.filter((r) => r.direction === 'in');
    const outgoing = records.filter((r) => r.direction === 'out');
    expect(incoming.map((r) => [r.connection, r.topic, r.qos, r.retain])).toEqual([
      ['myClient1', 'lab/plain', 0, false], ['myClient1', 'lab/json', 1, false],
      ['myClient1', 'lab/hex', 2, false], ['myClient1', 'lab/retained', 1, true],
    ]);
    expect(outgoing.map((r) => [r.connection, r.topic, r.qos, r.retain])).toEqual([
      ['myClient2', 'lab/plain', 0, false], ['myClient2', 'lab/json', 1, false],
      ['myClient2', 'lab/hex', 2, false], ['myClient2', 'lab/retained', 1, true],
    ]);
    expect(Buffer.from(incoming[2]!.payload!, 'base64').toString('hex')).toBe(HEX_PAYLOAD.replaceAll(' ', ''));
    expect(Buffer.from(outgoing[1]!.payload!, 'base64').toString()).toBe(JSON_PAYLOAD);
    // The QoS 2 flow completed on the broker's side: PUBREC out, PUBREL in, PUBCOMP out.
    const flow = await e.workbench.call('traffic.query', {
      side: 'broker', connections: ['myClient1'], types: ['pubrec', 'pubrel', 'pubcomp'], order: 'asc',
    });
    expect(flow.records.map((r) => `${r.direction} ${r.type}`)).toEqual(['out pubrec', 'in pubrel', 'out pubcomp']);
    expect(e.pageErrors).toEqual([]);
  });

  it('publishes MQTT 5 properties, shows them with the message; recent topics and saved templates', async () => {
    const { page } = e;
    await clientOption(page, 'myClient2').click();
    await page.getByText('MQTT 5 properties').click();
    await page.getByLabel('Content type').fill('application/json');
    await page.getByLabel('Correlation data (hex)').fill('0a0b');
    await page.getByRole('button', { name: '+ Add user property' }).click();
    await page.getByLabel('User properties 1 key').fill('unit');
    await page.getByLabel('User properties 1 value').fill('celsius');
    await page.getByLabel('Payload format').selectOption('json');
    // JSON is checked while typing.
    await page.getByLabel('Payload', { exact: true }).fill('{"temperature": 22.');
    await page.getByText(/^invalid JSON/).waitFor();
    expect(await page.getByRole('button', { name: 'Publish', exact: true }).isDisabled()).toBe(true);
    await publish(page, { topic: 'lab/sensors/kitchen', qos: 1, format: 'json', payload: '{"temperature": 22.4, "humidity": 41, "window": "open"}' });

    const list = page.getByRole('listbox', { name: 'Messages of myClient2' });
    await expect.poll(() => list.getByRole('option').count(), POLL).toBe(5);
    await list.getByRole('option').last().click();
    const properties = page.getByRole('table', { name: 'MQTT 5 properties' });
    await properties.waitFor();
    const rows = await properties.locator('tr').allTextContents();
    expect(rows).toEqual(expect.arrayContaining(['Content typeapplication/json', 'Correlation data0a 0b', 'User property: unitcelsius']));

    // The topics just used are offered; a template keeps the whole form.
    expect(await page.evaluate('[...document.querySelectorAll("#recent-topics option")].map((o) => o.value)'))
      .toEqual(['lab/sensors/kitchen', 'lab/retained', 'lab/hex', 'lab/json', 'lab/plain']);
    await page.getByText(/^Templates/).click();
    await page.getByLabel('Template name').fill('kitchen reading');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByLabel('Publish topic').fill('something/else');
    await page.getByLabel('Saved template').selectOption('kitchen reading');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    expect(await page.getByLabel('Publish topic').inputValue()).toBe('lab/sensors/kitchen');
    expect(await page.getByLabel('Content type').inputValue()).toBe('application/json');
    const stored = await page.evaluate('localStorage.getItem("mqtt-workbench.publish-templates")') as string;
    expect(JSON.parse(stored)).toMatchObject([{ name: 'kitchen reading', draft: { topic: 'lab/sensors/kitchen', qos: 1, format: 'json' } }]);

    // A realistic state for the README: two clients, several messages, one payload open.
    await page.getByText('MQTT 5 properties').click(); // fold the properties and templates again
    await page.getByText(/^Templates/).click();
    for (const [room, t, h] of [['hall', 19.8, 48], ['garage', 12.1, 63], ['attic', 24.9, 35]] as const) {
      await publish(page, { topic: `lab/sensors/${room}`, qos: 0, format: 'json', payload: `{"temperature": ${t}, "humidity": ${h}}` });
    }
    await publish(page, { topic: 'lab/status/boiler', qos: 1, payload: 'on', retain: true });
    await expect.poll(() => list.getByRole('option').count(), POLL).toBe(9);
    await list.getByRole('option').nth(4).click();
    await page.getByLabel('Publish topic').blur();
    await screenshot(page, 'clients');
    expect(e.pageErrors).toEqual([]);
  });

  it('edits (only changed fields), clones and deletes after a confirmation', async () => {
    const { page } = e;
    await clientOption(page, 'myClient1').click();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit myClient1' });
    expect(await dialog.getByRole('combobox', { name: 'Protocol', exact: true }).inputValue()).toBeTruthy();
    await dialog.getByLabel('Keep alive (s)').fill('30');
    await dialog.getByLabel('Username', { exact: true }).fill('alice');
    await dialog.getByLabel('Password', { exact: true }).fill('s3cret');
    // Only the changed fields travel (the face calls the workbench's `call`: listen there).
    const updates: unknown[] = [];
    const call = e.workbench.call.bind(e.workbench);
    e.workbench.call = ((cmd, input) => {
      if (cmd === 'clients.update') updates.push(input);
      return call(cmd, input);
    }) as typeof e.workbench.call;
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    e.workbench.call = call;
    expect(updates).toEqual([{ name: 'myClient1', profile: { keepAlive: 30, username: 'alice', password: 's3cret' } }]);
    const saved = (await e.workbench.call('clients.list', {})).find((c) => c.profile.name === 'myClient1')!;
    expect(saved.profile).toMatchObject({ keepAlive: 30, username: 'alice', hasPassword: true, protocolVersion: 4 });

    // The password is write-only: the form says one is saved, and shows nothing of it.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    expect(await dialog.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await dialog.getByLabel('Password', { exact: true }).getAttribute('placeholder')).toBe('saved');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Clone', exact: true }).click();
    await clientOption(page, 'myClient3').waitFor();
    expect(await clientOption(page, 'myClient3').getAttribute('aria-selected')).toBe('true');
    // Renaming keeps the client's place and selection.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('dialog', { name: 'Edit myClient3' }).getByLabel('Name', { exact: true }).fill('probe');
    await page.getByRole('dialog', { name: 'Edit myClient3' }).getByLabel('Name', { exact: true }).press('Enter');
    await clientOption(page, 'probe').waitFor();
    expect(await clientOption(page, 'probe').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('listbox', { name: 'Clients' }).locator('.name').allTextContents()).toEqual(['myClient1', 'myClient2', 'probe']);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Yes, delete' }).click();
    await clientOption(page, 'probe').waitFor({ state: 'detached' });
    expect((await e.workbench.call('clients.list', {})).map((c) => c.profile.name)).toEqual(['myClient1', 'myClient2']);
    expect(e.pageErrors).toEqual([]);
  });
});
