// The shell loads from `serve`, connects to the API, and switches views by tab and keyboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './browser.js';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
}, 60_000);
afterAll(() => e?.close());

describe('e2e: shell', () => {
  it('shows the views as tabs with accessible names, and switches with Alt+digit', async () => {
    const { page } = e;
    for (const name of ['Clients', 'Timeline', 'Retained', 'Broker']) {
      await page.getByRole('tab', { name }).waitFor();
    }
    await page.getByRole('tab', { name: 'Broker' }).click();
    expect(await page.getByRole('tab', { name: 'Broker' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Alt+2');
    expect(await page.getByRole('tab', { name: 'Timeline' }).getAttribute('aria-selected')).toBe('true');
  });

  it('switches theme', async () => {
    const { page } = e;
    const before = await page.locator('html').getAttribute('data-theme');
    await page.getByRole('button', { name: /Switch to (light|dark) theme/ }).click();
    const after = await page.locator('html').getAttribute('data-theme');
    expect(after).not.toBe(before);
    expect(e.pageErrors).toEqual([]);
  });
});
