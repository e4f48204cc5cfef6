// Scrubbing a recording far bigger than what the Timeline holds (a window of about 5,000 packets): the
// position counts over the whole recording, the slider reaches its end, a jump to a time or a step back
// reads the part of the recording it needs, and playing slides the window along.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingInfo } from '../../shared/contract/recordings.js';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import { withTimeout } from '../helpers/broker.js';
import { startE2E, type E2E } from './browser.js';

/** Published, 500 every 40 ms: about a second of recording, so times tell packets apart. */
const MESSAGES = 12_500;
const BATCH = 500;
const WINDOW = 5000;
const POLL = { timeout: 10_000, interval: 100 };

let e: E2E;
let info: RecordingInfo;
const call: E2E['workbench']['call'] = (cmd, input) => e.workbench.call(cmd, input);
const count = (n: number) => n.toLocaleString('en');

beforeAll(async () => {
  e = await startE2E();
}, 60_000);
afterAll(() => e?.close());

/** The record at `position` (its id), read from the core. */
async function recordAt(position: number): Promise<TrafficRecord> {
  const [record] = (await call('recording.query', { id: info.id, order: 'asc', cursor: position - 1, limit: 1 })).records;
  expect(record?.id).toBe(position);
  return record!;
}

/** Counts the renderer's recording.query calls, and how many were under way at once, until stop(). */
function countReads(): { stop(): { calls: number; most: number } } {
  const workbench = e.workbench;
  const call = workbench.call;
  let calls = 0;
  let now = 0;
  let most = 0;
  workbench.call = (async (cmd, input) => {
    if (cmd !== 'recording.query') return call.call(workbench, cmd, input);
    calls++;
    most = Math.max(most, ++now);
    try {
      return await call.call(workbench, cmd, input);
    } finally {
      now--;
    }
  }) as typeof call;
  return {
    stop: () => {
      workbench.call = call;
      return { calls, most };
    },
  };
}

/** HH:MM:SS.mmm local time, as the scrub bar takes it. */
function clockOf(timeUs: number): string {
  const d = new Date(timeUs / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

const bar = () => e.page.getByRole('toolbar', { name: 'Recording playback' });
const position = () => bar().getByRole('status', { name: 'Playback position' });
const slider = () => bar().getByLabel('Position', { exact: true });
const at = (p: number) => position().getByText(new RegExp(`^${count(p)} of ${count(info.packets)} · `)).waitFor();
/** The position the scrub bar shows now. */
const positionNow = async () => Number(((await position().textContent()) ?? '').split(' of ')[0]!.replace(/,/g, ''));
/** The Timeline's last row is this packet (it follows the cursor). */
const showsPacket = async (record: TrafficRecord) =>
  e.page.getByRole('listbox', { name: 'Packets' }).getByRole('option', { name: new RegExp(`→ broker ${record.topic}( |$)`) }).waitFor();
/** The packets the Timeline holds up to the cursor ("12 of 4,900 packets": the second number). */
async function held(): Promise<number> {
  const text = (await e.page.getByText(/^\d+ of \d+ packets$/).textContent()) ?? '';
  return Number(text.match(/of (\d+) packets/)![1]);
}

describe('e2e: scrubbing a recording bigger than the window', () => {
  it(`records ${count(MESSAGES)} messages from an MQTT client`, async () => {
    const { id } = await call('recording.start', { name: 'Bulk' });
    const url = e.workbench.broker.addresses.find((a) => a.protocol === 'tcp')!.url;
    const publisher = mqtt.connect(url, { clientId: 'bulk-pub', reconnectPeriod: 0 });
    await withTimeout(new Promise((resolve) => publisher.once('connect', resolve)), 5000, 'the publisher');
    for (let n = 0; n < MESSAGES; n++) {
      publisher.publish(`bulk/${n}`, String(n));
      if (n % BATCH === BATCH - 1) await new Promise((resolve) => setTimeout(resolve, 40));
    }
    // All of them are in once the count stops growing (the core reports it about once a second).
    let last = -1;
    await expect.poll(async () => {
      const now = (await call('recording.list', {})).find((r) => r.id === id)!.packets;
      const settled = now === last && now > MESSAGES;
      last = now;
      return settled;
    }, { timeout: 20_000, interval: 1500 }).toBe(true);
    publisher.end(true);
    await call('recording.stop', {});
    info = (await call('recording.list', {})).find((r) => r.id === id)!;
    // Positions are ids: the last one is the count.
    const [newest] = (await call('recording.query', { id, order: 'desc', limit: 1 })).records;
    expect(newest!.id).toBe(info.packets);
  }, 40_000);

  it('opens it with the true total; the slider covers the whole recording', async () => {
    const { page } = e;
    expect(info.packets).toBeGreaterThan(MESSAGES);
    await page.keyboard.press('Alt+6');
    await page.getByRole('button', { name: 'Show Bulk' }).click();
    await page.getByRole('region', { name: 'Recording', exact: true }).getByRole('button', { name: 'Open in Timeline' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Timeline' }).getAttribute('aria-selected'), POLL).toBe('true');
    await at(0);
    expect(await slider().getAttribute('max')).toBe(String(info.packets));

    // Near the end: far outside the first window.
    const near = info.packets - 100;
    await slider().fill(String(near));
    await at(near);
    await showsPacket(await recordAt(near));
    const shown = await held();
    expect(shown).toBeLessThanOrEqual(WINDOW);
    expect(shown).toBeLessThan(near);

    // A drag sends many inputs in a row, here from 55% down to 20%, all outside the window: the last one
    // wins, and the reads do not pile up (one at a time; those for passed points stop early).
    const reads = countReads();
    const sweep = Array.from({ length: 100 }, (_, i) => Math.round(info.packets * (0.55 - i * 0.0035)));
    const last = sweep.at(-1)!;
    await e.page.evaluate(`{
      const input = document.querySelector('[aria-label="Recording playback"] input[type=range]');
      for (const p of ${JSON.stringify(sweep)}) {
        input.value = String(p);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
    }`);
    await at(last);
    await showsPacket(await recordAt(last));
    expect(await held()).toBeLessThanOrEqual(WINDOW);
    const { calls, most } = reads.stop();
    expect(most).toBe(1);
    // A page for the first point, then the pages of a window for the last (500 + 1000 + 1000 each side).
    expect(calls).toBeLessThanOrEqual(10);

    // 80% of the slider is 80% of the recording.
    const eighty = Math.round(info.packets * 0.8);
    await slider().fill(String(eighty));
    await at(eighty);
    await showsPacket(await recordAt(eighty));
    expect(e.pageErrors).toEqual([]);
  });

  it('jumps to a time near the end from the start of the recording', async () => {
    await slider().fill('0');
    await at(0);
    const target = await recordAt(info.packets - 50);
    const time = clockOf(target.timeUs);
    // The scrub bar takes milliseconds: the last packet of that millisecond.
    const msEnd = Math.floor(target.timeUs / 1000) * 1000 + 999;
    const [expected] = (await call('recording.query', { id: info.id, order: 'desc', toUs: msEnd, limit: 1 })).records;
    expect(expected!.id).toBeGreaterThanOrEqual(target.id);
    const input = bar().getByLabel('Jump to time');
    await input.fill(time);
    await input.press('Enter');
    await at(expected!.id);
    await showsPacket(expected!);
    expect(await position().textContent()).toContain(` · ${time}`);
    // Before the first packet: the window goes back to the start, the cursor before it.
    await input.fill('00:00:00.000');
    await input.press('Enter');
    await at(0);
    expect(await held()).toBe(0);
    await input.fill(time);
    await input.press('Enter');
    await at(expected!.id);
    expect(e.pageErrors).toEqual([]);
  });

  it('steps back across the start of the window', async () => {
    // The window's first packet: the cursor's position less the packets held before it.
    const first = (await positionNow()) - (await held()) + 1;
    expect(first).toBeGreaterThan(1);
    await slider().fill(String(first));
    await at(first);
    // On the window's first packet the page before it is read at once (or when the step needs it).
    const previous = bar().getByRole('button', { name: 'Previous packet' });
    await previous.click();
    await previous.click();
    await at(first - 2);
    await showsPacket(await recordAt(first - 2));
    expect(await held()).toBeGreaterThan(1);
    expect(await held()).toBeLessThanOrEqual(WINDOW);
    await bar().getByRole('button', { name: 'Next packet' }).click();
    await at(first - 1);
    await showsPacket(await recordAt(first - 1));
    expect(e.pageErrors).toEqual([]);
  });

  it('plays at 100× from past packet 5,000 on through the window edges', async () => {
    // From the recording's first window (packets 1–5,000) to just past it: the window slides by a page.
    await slider().fill('0');
    await at(0);
    const start = WINDOW + 100;
    await slider().fill(String(start));
    await at(start);
    // The window ends about a window's length after its first packet.
    const windowEnd = start - (await held()) + WINDOW;
    await bar().getByLabel('Playback speed').selectOption('100');
    await bar().getByRole('button', { name: 'Play' }).click();
    // Past the end of that window: the pages after it were read while playing.
    await expect.poll(positionNow, { timeout: 60_000, interval: 250 }).toBeGreaterThan(windowEnd + 200);
    await bar().getByRole('button', { name: 'Pause playback' }).click();
    expect(await held()).toBeLessThanOrEqual(WINDOW);
    await bar().getByRole('button', { name: 'Back to live' }).click();
    expect(await bar().count()).toBe(0);
    expect(e.pageErrors).toEqual([]);
  }, 90_000);
});
