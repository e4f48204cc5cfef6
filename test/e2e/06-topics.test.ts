// The topic tree counts messages per topic and subtree and shows last values; numeric payloads chart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startE2E, type E2E } from './browser.js';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
  await e.workbench.call('clients.create', { name: 'myClient1' });
  await e.workbench.call('clients.connect', { name: 'myClient1' });
}, 60_000);
afterAll(() => e?.close());

const publish = (topic: string, data: string) => e.workbench.call('clients.publish', { name: 'myClient1', topic, payload: { data } });

describe('e2e: topics', () => {
  it('tree with counts and last values, and a live chart of a numeric topic', async () => {
    const { page } = e;
    await page.getByRole('tab', { name: 'Topics' }).click();
    for (const value of [25, 26.5, 24, 27, 25.5]) await publish('robotcell1/temperature', String(value));
    await publish('robotcell1/status', 'running');
    await publish('robotcell2/env', '{"t": 21.5, "h": 40}');

    const tree = page.getByRole('tree', { name: 'Topics' });
    const cell1 = tree.getByRole('treeitem').filter({ has: page.getByRole('button', { name: 'Topic robotcell1', exact: true }) });
    await expect.poll(() => cell1.locator('.count').textContent(), { timeout: 8000 }).toBe('6');
    const temperature = tree.getByRole('treeitem').filter({ has: page.getByRole('button', { name: 'Topic robotcell1/temperature', exact: true }) });
    expect(await temperature.locator('.value').textContent()).toBe('25.5');

    await page.getByRole('button', { name: 'Topic robotcell1/temperature', exact: true }).click();
    const detail = page.getByRole('region', { name: 'Selected topic' });
    await detail.getByText('5 messages').waitFor();
    await detail.getByRole('img', { name: 'Chart of numeric values' }).locator('canvas').waitFor();
    await publish('robotcell1/temperature', '28');
    await detail.getByText('6 messages').waitFor();

    await page.getByRole('button', { name: 'Topic robotcell2/env', exact: true }).click();
    await detail.getByText('1 messages').waitFor();
    await detail.locator('.u-legend').getByText('h').waitFor();
    expect(e.pageErrors).toEqual([]);
    await page.getByRole('button', { name: 'Topic robotcell1/temperature', exact: true }).click();
    for (const value of [26, 25.2, 24.8, 26.1]) await publish('robotcell1/temperature', String(value));
    await detail.getByText('10 messages').waitFor();
    await screenshot(page, 'topics');
  });
});
