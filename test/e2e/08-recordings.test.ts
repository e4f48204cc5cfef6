// The Recordings tab: start and stop a recording from the UI while two named clients talk, see it in
// the list with the counts the API reports, rename it, export it to a file, delete it, import it back.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startE2E, type E2E } from './browser.js';

let e: E2E;
let dir: string;
beforeAll(async () => {
  e = await startE2E();
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-e2e-rec-'));
}, 60_000);
afterAll(async () => {
  await e?.close();
  rmSync(dir, { recursive: true, force: true });
});

const POLL = { timeout: 8000, interval: 100 };
const call: E2E['workbench']['call'] = (cmd, input) => e.workbench.call(cmd, input);
const XSS = '<img src=x onerror="window.__xss=1">';

describe('e2e: recordings', () => {
  it('records from the UI: start, live counts, stop; the list shows what the API reports', async () => {
    const { page } = e;
    for (const name of ['myClient1', 'myClient2']) {
      await call('clients.create', { name });
      await call('clients.connect', { name });
    }
    await call('clients.subscribe', { name: 'myClient2', filter: 'lab/#', qos: 2 });
    await page.keyboard.press('Alt+6');
    expect(await page.getByRole('tab', { name: 'Recordings' }).getAttribute('aria-selected')).toBe('true');
    await page.getByText(/No recordings yet/).waitFor();

    await page.getByLabel('Recording name').fill(`QoS demo ${XSS}`);
    await page.getByRole('button', { name: 'Start recording' }).click();
    const running = page.getByRole('status', { name: 'Recording now' });
    await running.waitFor();
    for (const qos of [0, 1, 2] as const) {
      await call('clients.publish', { name: 'myClient1', topic: `lab/q${qos}`, qos, payload: { data: `hello ${qos}` } });
    }
    await call('clients.publish', { name: 'myClient1', topic: 'lab/kept', qos: 1, retain: true, payload: { data: 'kept' } });
    // The counts go up while it records (the core reports them about once a second).
    await expect.poll(async () => Number(((await running.textContent()) ?? '').match(/([\d,]+) packets/)?.[1]?.replace(/,/g, '') ?? 0), POLL).toBeGreaterThan(10);
    // One more, a second or so later: a replay at 0.1× takes ten seconds to reach it.
    await call('clients.publish', { name: 'myClient1', topic: 'lab/late', qos: 1, payload: { data: 'late' } });
    // A session that starts during the recording: the Broker view as of the cursor has it only at the end.
    await call('clients.create', { name: 'myClient3', protocolVersion: 5 });
    await call('clients.connect', { name: 'myClient3' });
    await call('clients.subscribe', { name: 'myClient3', filter: 'late/#', qos: 1 });
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await page.getByRole('button', { name: 'Start recording' }).waitFor();

    const [info] = await call('recording.list', {});
    expect(info!.recording).toBe(false);
    const table = page.getByRole('table', { name: 'Recordings' });
    const row = table.getByRole('row').filter({ hasText: 'QoS demo' });
    await expect.poll(async () => (await row.locator('td').nth(3).textContent())?.replace(/,/g, ''), POLL).toBe(String(info!.packets));
    // The name is the user's text, shown as text.
    expect(await row.getByRole('button').textContent()).toBe(`QoS demo ${XSS}`);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(e.pageErrors).toEqual([]);
  });

  it('renames, exports to a file, deletes after a confirmation, and imports the file back', async () => {
    const { page } = e;
    await page.getByRole('button', { name: /^Show QoS demo/ }).click();
    const detail = page.getByRole('region', { name: 'Recording', exact: true });
    await detail.getByLabel('Name').fill('QoS 0/1/2 demo');
    await detail.getByLabel('Notes').fill('for Tuesday');
    await detail.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Show QoS 0/1/2 demo' }).waitFor();
    const [renamed] = await call('recording.list', {});
    expect(renamed).toMatchObject({ name: 'QoS 0/1/2 demo', notes: 'for Tuesday' });
    await screenshot(page, 'recordings');

    const file = join(dir, 'demo.mqttrec');
    await detail.getByLabel('Export to file').fill(file);
    await detail.getByRole('button', { name: 'Export' }).click();
    await detail.getByRole('status').filter({ hasText: /^Exported to / }).waitFor();
    expect(existsSync(file)).toBe(true);
    // The same as JSON Lines: one packet per line.
    const lines = join(dir, 'demo.jsonl');
    await detail.getByLabel('Export format').selectOption('jsonl');
    await detail.getByLabel('Export to file').fill(lines);
    await detail.getByRole('button', { name: 'Export' }).click();
    await detail.getByRole('status').filter({ hasText: /demo\.jsonl/ }).waitFor();
    expect(readFileSync(lines, 'utf8').trim().split('\n')).toHaveLength(renamed!.packets);

    await detail.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog', { name: 'Delete recording' }).getByRole('button', { name: 'Delete recording' }).click();
    await page.getByText(/No recordings yet/).waitFor();
    expect(await call('recording.list', {})).toEqual([]);

    await page.getByLabel('Import from file').fill(file);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('button', { name: 'Show QoS 0/1/2 demo' }).waitFor();
    const [imported] = await call('recording.list', {});
    expect(imported).toMatchObject({ name: 'QoS 0/1/2 demo', notes: 'for Tuesday', packets: renamed!.packets });
    expect(e.pageErrors).toEqual([]);
  });

  it('replays through a named client: pause, a new speed, resume, done; the subscriber gets them again', async () => {
    const { page } = e;
    const detail = page.getByRole('region', { name: 'Recording', exact: true });
    const since = Date.now() * 1000;
    await detail.getByLabel('Replay through client').selectOption('myClient1');
    await detail.getByLabel('Replay speed', { exact: true }).selectOption('0.1');
    await detail.getByRole('button', { name: 'Replay' }).click();
    const progress = detail.getByRole('status', { name: 'Replay progress' });
    await progress.getByText('Replaying').waitFor();
    await detail.getByRole('button', { name: 'Pause' }).click();
    await progress.getByText('Paused').waitFor();
    expect((await call('replay.status', {})).replay).toMatchObject({ state: 'paused', speed: 0.1, client: 'myClient1' });
    await detail.getByLabel('Replay speed now').selectOption('max');
    await expect.poll(async () => (await call('replay.status', {})).replay?.speed, POLL).toBe('max');
    await detail.getByRole('button', { name: 'Resume' }).click();
    const last = detail.getByRole('status', { name: 'Last replay' });
    await last.waitFor();
    expect(await last.textContent()).toBe('Last replay: 5 messages, done.');
    // myClient2 (subscribed to lab/#) got the five again, in the recorded order.
    const received = async () => (await call('traffic.query', { connections: ['myClient2'], side: 'client', types: ['publish'], fromUs: since, order: 'asc' }))
      .records.filter((r) => r.direction === 'in').map((r) => r.topic);
    await expect.poll(async () => (await received()).length, POLL).toBe(5);
    expect(await received()).toEqual(['lab/q0', 'lab/q1', 'lab/q2', 'lab/kept', 'lab/late']);
    expect(e.pageErrors).toEqual([]);
  });

  it('opens a recording in the Timeline: step, play, the retained table as of the cursor, back to live', async () => {
    const { page } = e;
    const [info] = await call('recording.list', {});
    await page.getByRole('region', { name: 'Recording', exact: true }).getByRole('button', { name: 'Open in Timeline' }).click();
    // The packets load first, then the Timeline shows.
    await expect.poll(() => page.getByRole('tab', { name: 'Timeline' }).getAttribute('aria-selected'), POLL).toBe('true');
    const bar = page.getByRole('toolbar', { name: 'Recording playback' });
    const position = bar.getByRole('status', { name: 'Playback position' });
    await position.getByText(new RegExp(`^0 of ${info!.packets} · `)).waitFor();
    await bar.getByRole('button', { name: 'Next packet' }).click();
    await bar.getByRole('button', { name: 'Next packet' }).click();
    await position.getByText(new RegExp(`^2 of ${info!.packets} · `)).waitFor();
    // The first two packets of the recording, whatever the filters leave of them.
    await page.getByText(/^\d of 2 packets$/).waitFor();

    await bar.getByLabel('Playback speed').selectOption('100');
    await bar.getByRole('button', { name: 'Play' }).click();
    await position.getByText(new RegExp(`^${info!.packets} of ${info!.packets} · `)).waitFor({ timeout: 20_000 });
    const rows = page.getByRole('listbox', { name: 'Packets' });
    await rows.getByRole('option', { name: /^PUBLISH myClient1 → broker lab\/late/ }).waitFor();
    await screenshot(page, 'scrub');

    // The retained table as of the end, then as of the start (nothing was retained before the recording).
    await page.getByRole('tab', { name: 'Retained' }).click();
    const asOf = page.getByRole('table', { name: 'Retained messages as of the cursor' });
    await asOf.getByText('lab/kept', { exact: true }).waitFor();
    expect(await asOf.getByRole('row').nth(1).textContent()).toMatch(/^lab\/keptkept1/);
    // The sessions as of the end: myClient3 connected, with the subscription it made.
    await page.getByRole('tab', { name: 'Broker' }).click();
    const sessions = page.getByRole('table', { name: 'Sessions' });
    const session = (id: string) => sessions.getByRole('row').filter({ has: page.getByRole('button', { name: `Session ${id}`, exact: true }) });
    await session('myClient3').waitFor();
    expect((await session('myClient3').getByRole('cell').allTextContents()).slice(0, 3).map((c) => c.trim())).toEqual(['myClient3', 'connected', 'clean']);
    await page.getByRole('button', { name: 'Session myClient3', exact: true }).click();
    await page.getByRole('table', { name: 'Subscriptions of myClient3' }).getByText('late/#').waitFor();
    await screenshot(page, 'broker-as-of');

    await page.getByRole('tab', { name: 'Timeline' }).click();
    await bar.getByLabel('Position', { exact: true }).fill('-1');
    await position.getByText(new RegExp(`^0 of ${info!.packets} · `)).waitFor();
    await page.getByRole('tab', { name: 'Retained' }).click();
    await asOf.getByText('The broker held no retained messages at this point.').waitFor();
    // As of the start: the two clients connected before the recording, not myClient3.
    await page.getByRole('tab', { name: 'Broker' }).click();
    await expect.poll(async () => session('myClient3').count(), POLL).toBe(0);
    await page.getByText('The session myClient3 did not exist at this point.').waitFor();
    expect(await sessions.getByRole('button', { name: /^Session / }).allTextContents()).toEqual(['myClient1', 'myClient2']);

    await page.getByRole('tab', { name: 'Retained' }).click();
    await page.getByRole('button', { name: 'Back to live' }).click();
    await page.getByRole('heading', { name: 'Retained messages', exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    expect(await bar.count()).toBe(0);
    await page.getByRole('tab', { name: 'Recordings' }).click();
    expect(e.pageErrors).toEqual([]);
  });

  it('says why an import fails, and keeps the list as it was', async () => {
    const { page } = e;
    await page.getByLabel('Import from file').fill(join(dir, 'missing.mqttrec'));
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(async () => (await page.getByRole('alert').textContent()) ?? '', POLL).toMatch(/missing\.mqttrec/);
    expect((await call('recording.list', {})).length).toBe(1);
    await page.getByRole('button', { name: 'Dismiss the error' }).click();
  });
});
