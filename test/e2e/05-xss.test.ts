// Topics, payloads and MQTT 5 properties are untrusted: whoever can publish to the broker chooses them.
// HTML in them must appear as the literal text, in the messages list, the message view and the payload
// viewer, and never run; published through the API and through the UI.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './browser.js';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
}, 60_000);
afterAll(() => e?.close());

const POLL = { timeout: 8000, interval: 100 };
const IMG = (n: number) => `<img src=x onerror="window.__xss=${n}">`;
const SCRIPT = (n: number) => `<script>window.__xss=${n}</script>`;

/** What the test publishes, in the order the subscriber receives it. */
const MESSAGES = [
  { topic: `api/${IMG(1)}`, payload: IMG(2), shown: IMG(2) },
  { topic: `api/${SCRIPT(3)}`, payload: SCRIPT(4), shown: SCRIPT(4) },
  { topic: `ui/${IMG(5)}`, payload: `${SCRIPT(6)}${IMG(7)}`, shown: `${SCRIPT(6)}${IMG(7)}` },
  { topic: `ui/${SCRIPT(8)}/json`, payload: JSON.stringify({ html: IMG(9), script: SCRIPT(10) }), shown: null },
];

async function noScriptRan(page: Page): Promise<void> {
  expect(await page.evaluate('window.__xss')).toBeUndefined();
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.evaluate('[...document.scripts].filter((s) => s.textContent.includes("__xss")).length')).toBe(0);
}

describe('e2e: untrusted text stays text', () => {
  it('shows HTML in topics, payloads and properties literally, from the API and from the UI', async () => {
    const { page, workbench } = e;
    await workbench.call('clients.create', { name: 'sink', protocolVersion: 5 });
    await workbench.call('clients.create', { name: 'source', protocolVersion: 5 });
    await workbench.call('clients.connect', { name: 'sink' });
    await workbench.call('clients.connect', { name: 'source' });
    await workbench.call('clients.subscribe', { name: 'sink', filter: '#', qos: 1 });

    // Through the API, with MQTT 5 properties carrying HTML as well.
    const properties = { contentType: IMG(11), responseTopic: `r/${SCRIPT(12)}`, userProperties: [[SCRIPT(13), IMG(14)]] as Array<[string, string]> };
    await workbench.call('clients.publish', { name: 'source', topic: MESSAGES[0]!.topic, payload: { format: 'text', data: MESSAGES[0]!.payload }, qos: 1, properties });
    await workbench.call('clients.publish', { name: 'source', topic: MESSAGES[1]!.topic, payload: { format: 'text', data: MESSAGES[1]!.payload }, qos: 1 });

    // Through the UI: a subscription filter, a text payload and a JSON payload.
    const source = page.getByRole('listbox', { name: 'Clients' }).getByRole('option', { name: /^source/ });
    await source.click();
    const filter = `ui/${IMG(15)}/#`;
    await page.getByLabel('Topic filter').fill(filter);
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await page.getByRole('list', { name: 'Subscriptions of source' }).getByText(filter, { exact: true }).waitFor();
    for (const [i, format] of [[2, 'text'], [3, 'json']] as const) {
      await page.getByLabel('Publish topic').fill(MESSAGES[i]!.topic);
      await page.getByLabel('Payload format').selectOption(format);
      await page.getByLabel('Payload', { exact: true }).fill(MESSAGES[i]!.payload);
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'published' }).waitFor();
    }

    // The subscriber's list shows every topic and payload as the literal text.
    await page.getByRole('listbox', { name: 'Clients' }).getByRole('option', { name: /^sink/ }).click();
    const list = page.getByRole('listbox', { name: 'Messages of sink' });
    await expect.poll(() => list.getByRole('option').count(), POLL).toBe(4);
    expect(await list.locator('.topic').allTextContents()).toEqual(MESSAGES.map((m) => m.topic));
    expect(await list.locator('.preview').allTextContents()).toEqual(MESSAGES.map((m) => m.payload));
    await noScriptRan(page);

    // The message view and the payload viewer (text, hex, JSON tree) show it literally too.
    const detail = page.getByRole('region', { name: 'Message', exact: true });
    for (const [i, m] of MESSAGES.entries()) {
      await list.getByRole('option').nth(i).click();
      expect(await detail.getByLabel('Message topic').textContent()).toBe(m.topic);
      if (m.shown !== null) {
        expect(await detail.locator('pre').textContent()).toBe(m.shown);
        await detail.getByRole('button', { name: 'Hex', exact: true }).click();
        expect(await detail.getByLabel('Hex dump').textContent()).toContain('3c');
      } else {
        const tree = (await detail.locator('.tree').textContent()) ?? '';
        expect(tree).toContain(JSON.stringify(IMG(9)));
        expect(tree).toContain(JSON.stringify(SCRIPT(10)));
      }
      await noScriptRan(page);
    }

    // MQTT 5 properties of the first message.
    await list.getByRole('option').first().click();
    const rows = await page.getByRole('table', { name: 'MQTT 5 properties' }).locator('tr').allTextContents();
    expect(rows).toEqual(expect.arrayContaining([
      `Content type${IMG(11)}`, `Response topicr/${SCRIPT(12)}`, `User property: ${SCRIPT(13)}${IMG(14)}`,
    ]));

    await noScriptRan(page);
    expect(e.pageErrors).toEqual([]);
  });
});
