// The scrubber's window over a recording (renderer/lib/state/scrub-window.ts), read from a fake core
// that pages like recording.query: keyset cursors, `next` on a full page, time bounds.
import { describe, expect, it } from 'vitest';
import type { TrafficPage, TrafficRecord } from '../../shared/contract/traffic.js';
import {
  PAGE_SIZE, idAtTime, indexOfPosition, joinWindow, lastAtOrBefore, readAfter, readAround, readBefore, type PageQuery,
} from '../../renderer/lib/state/scrub-window.js';

const T0 = 1_700_000_000_000_000;
/** Record `id` at T0 + 10 µs per id (ids 1…n, as in a recording). */
const record = (id: number) => ({ id, timeUs: T0 + id * 10 }) as TrafficRecord;
const ids = (records: readonly TrafficRecord[] | null) => records?.map((r) => r.id);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A recording of `n` records; `queries` logs what was asked. */
function fakeCore(n: number, pageCap = Infinity) {
  const queries: PageQuery[] = [];
  const read = async (q: PageQuery): Promise<TrafficPage> => {
    queries.push(q);
    const limit = Math.min(q.limit, pageCap);
    const newest = Math.min(n, q.toUs === undefined ? n : Math.floor((q.toUs - T0) / 10));
    const [from, to] = q.order === 'asc' ? [(q.cursor ?? 0) + 1, newest] : [1, Math.min(newest, (q.cursor ?? n + 1) - 1)];
    const page = q.order === 'asc' ? range(from, Math.min(to, from + limit - 1)) : range(Math.max(from, to - limit + 1), to).reverse();
    const records = page.map(record);
    // A full page has a next, even at the end; a capped page is short and still has one (the core's
    // payload budget does that).
    return { records, next: records.length === limit ? records.at(-1)!.id : null };
  };
  return { read, queries };
}

describe('scrub window: reading pages', () => {
  it('reads forward and back in pages of at most 1000, oldest first', async () => {
    const { read, queries } = fakeCore(10_000);
    expect(ids(await readAfter(read, 0, 2500))).toEqual(range(1, 2500));
    expect(queries.map((q) => q.limit)).toEqual([PAGE_SIZE, PAGE_SIZE, 500]);
    expect(ids(await readBefore(read, 8001, 1500))).toEqual(range(6501, 8000));
    expect(ids(await readAfter(read, 9990, 100))).toEqual(range(9991, 10_000));
    expect(ids(await readBefore(read, 1, 100))).toEqual([]);
  });

  it('follows `next` over short pages', async () => {
    const { read } = fakeCore(3000, 300);
    expect(ids(await readAfter(read, 100, 1000))).toEqual(range(101, 1100));
    expect(ids(await readBefore(read, 2001, 1000))).toEqual(range(1001, 2000));
  });

  it('gives null when a read gets no answer (stale or failed)', async () => {
    let answers = 1;
    const { read } = fakeCore(5000);
    const flaky = (q: PageQuery) => (answers-- > 0 ? read(q) : Promise.resolve(null));
    expect(await readAfter(flaky, 0, 2000)).toBeNull();
    expect(await idAtTime(async () => null, T0)).toBeNull();
  });

  it('finds the last record at or before a time; 0 before the first', async () => {
    const { read } = fakeCore(10_000);
    expect(await idAtTime(read, T0 + 81_235)).toBe(8123);
    expect(await idAtTime(read, T0 + 5)).toBe(0);
    expect(await idAtTime(read, T0 + 10 ** 9)).toBe(10_000);
  });

  it('reads a window around a record: half before, half from it; near an end the other side fills it', async () => {
    const { read } = fakeCore(1_000_000);
    const middle = await readAround(read, 800_000, 5000);
    expect(middle).toHaveLength(5000);
    expect(middle![0]!.id).toBe(797_500);
    expect(middle!.at(-1)!.id).toBe(802_499);
    expect(ids(await readAround(read, 1, 5000))).toEqual(range(1, 5000));
    expect(ids(await readAround(read, 40, 5000))).toEqual(range(1, 5000));
    expect(ids(await readAround(read, 999_990, 5000))).toEqual(range(995_001, 1_000_000));
    expect(ids(await readAround(read, 2, 5000))?.length).toBe(5000);
    expect(ids(await readAround(fakeCore(1200).read, 600, 5000))).toEqual(range(1, 1200));
  });
});

describe('scrub window: in memory', () => {
  const window = range(3001, 8000).map(record);

  it('joins a page at the end and drops the oldest, never the cursor', () => {
    const next = range(8001, 9000).map(record);
    expect(ids(joinWindow(window, next, 'end', 4500, 5000))).toEqual(range(4001, 9000));
    // The cursor is early (a tiny window would otherwise lose it): keep it and everything after.
    expect(ids(joinWindow(window, next, 'end', 200, 5000))).toEqual(range(3201, 9000));
    expect(ids(joinWindow(range(1, 10).map(record), [record(11)], 'end', -1, 5000))).toEqual(range(1, 11));
  });

  it('joins a page at the start and drops the newest, never the cursor', () => {
    const previous = range(2001, 3000).map(record);
    expect(ids(joinWindow(window, previous, 'start', 100, 5000))).toEqual(range(2001, 7000));
    expect(ids(joinWindow(window, previous, 'start', 4800, 5000))).toEqual(range(2001, 7801));
  });

  it('maps positions and times to indexes of the window', () => {
    expect(indexOfPosition(window, 3001)).toBe(0);
    expect(indexOfPosition(window, 8000)).toBe(4999);
    expect(indexOfPosition(window, 3000)).toBeNull();
    expect(indexOfPosition(window, 8001)).toBeNull();
    // Before the first packet only a window from the recording's start has.
    expect(indexOfPosition(window, 0)).toBeNull();
    expect(indexOfPosition(range(1, 5).map(record), 0)).toBe(-1);
    expect(indexOfPosition([], 0)).toBe(-1);
    expect(lastAtOrBefore(window, T0 + 30_015)).toBe(0);
    expect(lastAtOrBefore(window, T0 + 30_005)).toBe(-1);
    expect(lastAtOrBefore(window, T0 + 10 ** 9)).toBe(4999);
  });
});
