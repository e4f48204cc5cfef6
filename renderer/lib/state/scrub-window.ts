// Which part of a recording the scrubber holds: a window of consecutive records, read from the core a
// page at a time. A record's id is its position in the recording (1 = the first; ids are consecutive and
// nothing is deleted from a recording), so "the packet at position P" is "the record with id P".
// No runes and no core here: the reads go through a ReadPage function, so this is unit-tested with a fake.
import type { TrafficPage, TrafficRecord } from '../../../shared/contract/traffic.js';

/** Records held at most (the live timeline keeps as many); the window slides a page at a time. */
export const WINDOW_CAPACITY = 5000;
/** Records per read (recording.query's largest page). */
export const PAGE_SIZE = 1000;

/** A recording.query without the recording's id. */
export interface PageQuery {
  order: 'asc' | 'desc';
  limit: number;
  /** asc: ids after it; desc: ids before it. */
  cursor?: number;
  /** Records at or before this time (epoch µs). */
  toUs?: number;
}

/** One page of the recording; null: no answer (an error, or nobody wants it any more). */
export type ReadPage = (query: PageQuery) => Promise<TrafficPage | null>;

/** Up to `count` records after id `afterId`, oldest first; null if a read got no answer. */
export async function readAfter(read: ReadPage, afterId: number, count: number): Promise<TrafficRecord[] | null> {
  const records: TrafficRecord[] = [];
  let cursor = afterId;
  while (records.length < count) {
    const page = await read({ order: 'asc', cursor, limit: Math.min(PAGE_SIZE, count - records.length) });
    if (!page) return null;
    records.push(...page.records);
    // A page may be short and still have a next (the core caps a page's payload bytes): trust `next`.
    if (page.next === null) break;
    cursor = page.next;
  }
  return records;
}

/** Up to `count` records before id `beforeId`, oldest first; null if a read got no answer. */
export async function readBefore(read: ReadPage, beforeId: number, count: number): Promise<TrafficRecord[] | null> {
  const newestFirst: TrafficRecord[] = [];
  let cursor = beforeId;
  while (newestFirst.length < count && cursor > 1) {
    const page = await read({ order: 'desc', cursor, limit: Math.min(PAGE_SIZE, count - newestFirst.length) });
    if (!page) return null;
    newestFirst.push(...page.records);
    if (page.next === null) break;
    cursor = page.next;
  }
  return newestFirst.reverse();
}

/** The id of the last record at or before `timeUs`: 0 when the time is before the first record. */
export async function idAtTime(read: ReadPage, timeUs: number): Promise<number | null> {
  const page = await read({ order: 'desc', toUs: timeUs, limit: 1 });
  return page ? (page.records[0]?.id ?? 0) : null;
}

/**
 * About `capacity` records around id `id` (at least 1): half before it, the rest from it on. Near either
 * end of the recording the other side gets what that side could not fill.
 */
export async function readAround(read: ReadPage, id: number, capacity = WINDOW_CAPACITY): Promise<TrafficRecord[] | null> {
  const from = Math.max(1, id);
  const after = await readAfter(read, from - 1, Math.ceil(capacity / 2));
  if (!after) return null;
  const before = await readBefore(read, from, capacity - after.length);
  if (!before) return null;
  const short = capacity - before.length - after.length;
  const lastId = after.at(-1)?.id;
  const more = short > 0 && lastId !== undefined && after.length === Math.ceil(capacity / 2) ? await readAfter(read, lastId, short) : [];
  return more ? [...before, ...after, ...more] : null;
}

/**
 * The window with `more` joined at its `end` (or `start`), cut at the other end to stay within
 * `capacity`, but never cutting index `keep` of the window (the cursor; -1: before the first record).
 */
export function joinWindow(
  records: readonly TrafficRecord[], more: readonly TrafficRecord[], side: 'start' | 'end', keep: number, capacity = WINDOW_CAPACITY,
): TrafficRecord[] {
  const over = records.length + more.length - capacity;
  if (side === 'end') {
    const cut = Math.max(0, Math.min(over, keep));
    return [...records.slice(cut), ...more];
  }
  const keepAll = keep + more.length + 1;
  const length = Math.max(capacity, keepAll);
  return [...more, ...records].slice(0, length);
}

/** Index of the last record at or before `timeUs` (records in time order); -1 if none. */
export function lastAtOrBefore(records: readonly TrafficRecord[], timeUs: number): number {
  return lastWhere(records, (r) => r.timeUs <= timeUs);
}

/** Index of the last record whose id is at most `id`; -1 if none. */
export function lastUpToId(records: readonly TrafficRecord[], id: number): number {
  return lastWhere(records, (r) => r.id <= id);
}

/**
 * The window's index for position `position` (0: before the first record, index -1, which only a
 * window starting at the recording's first record has); null when the window does not hold it.
 */
export function indexOfPosition(records: readonly TrafficRecord[], position: number): number | null {
  const first = records[0];
  if (position === 0) return first === undefined || first.id === 1 ? -1 : null;
  const index = lastUpToId(records, position);
  return index >= 0 && records[index]!.id === position ? index : null;
}

/** Binary search over a predicate that holds for a prefix of `records`. */
function lastWhere(records: readonly TrafficRecord[], holds: (record: TrafficRecord) => boolean): number {
  let found = -1;
  for (let lo = 0, hi = records.length - 1; lo <= hi;) {
    const mid = (lo + hi) >> 1;
    if (holds(records[mid]!)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
