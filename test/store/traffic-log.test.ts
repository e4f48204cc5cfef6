// The traffic log on real SQLite files: what goes in comes back out, paging, ids, batching, failures, clear.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrafficQuery, type TrafficQueryInput, type TrafficRecord } from '../../shared/contract/traffic.js';
import type { SqliteDatabase } from '../../main/store/db.js';
import { StoreError } from '../../main/store/errors.js';
import { TrafficLog, type TrafficLogOptions } from '../../main/store/traffic-log.js';
import { entry, randomEntries, tempWorkbench } from './traffic-fixtures.js';

let temp: ReturnType<typeof tempWorkbench>;
const logs: TrafficLog[] = [];
beforeEach(() => {
  temp = tempWorkbench('traffic');
});
afterEach(() => {
  for (const log of logs.splice(0)) log.close();
  temp.cleanup();
});

function openLog(options?: TrafficLogOptions, db: SqliteDatabase = temp.open()): TrafficLog {
  const log = new TrafficLog(db, options);
  logs.push(log);
  return log;
}
const query = (log: TrafficLog, input: TrafficQueryInput = {}) => log.query(TrafficQuery.parse(input));
const turn = () => new Promise<void>((done) => setImmediate(done));
const rowsOnDisk = (db: SqliteDatabase) => db.prepare<[], number>('SELECT count(*) FROM traffic').pluck().get();

/** Every page of a query, following `next` until it is null. */
function walk(log: TrafficLog, input: TrafficQueryInput): TrafficRecord[] {
  const all: TrafficRecord[] = [];
  let cursor: number | undefined;
  for (let pages = 0; ; pages++) {
    const page = query(log, { ...input, cursor });
    all.push(...page.records);
    if (page.records.length < (input.limit ?? 100)) expect(page.next).toBeNull();
    if (page.next === null) return all;
    expect(page.next).toBe(page.records[page.records.length - 1].id);
    cursor = page.next;
    if (pages > 10_000) throw new Error('paging does not end');
  }
}

describe('TrafficLog round trip', () => {
  it('gives back every field of every packet after the file was closed and opened again', () => {
    const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    const entries = [
      entry({ timeUs: 1_700_000_000_123_456, side: 'broker', direction: 'in', connection: 'sensor-1', type: 'publish',
        topic: 'site/line3/sensor42/temp', qos: 2, retain: true, dup: true, packetId: 65535, reasonCode: null,
        fields: { properties: { contentType: 'text/plain', userProperties: [['a', 'b'], ['a', 'c']] }, nested: [1, null, 'x'] },
        payload, willOf: 'gone-1' }),
      entry({ timeUs: 1_700_000_000_200_000, side: 'client', direction: 'out', connection: 'probe', type: 'suback',
        topic: null, qos: null, retain: false, dup: false, packetId: 7, reasonCode: 0x87, fields: { granted: [0, 128] }, payload: null,
        head: Buffer.from([0x90, 0x04, 0x00, 0x07, 0x00, 0x80]) }),
      entry({ timeUs: 1, connection: '#3', type: 'publish', topic: 'empty', payload: Buffer.alloc(0), fields: {} }),
    ];
    const db = temp.open();
    const writer = new TrafficLog(db);
    const ids = entries.map((e) => writer.append(e));
    writer.close();
    db.close();

    const log = openLog({}, temp.open(temp.file));
    const records = query(log, { order: 'asc', payloadBytes: 1_000_000 }).records;
    expect(records).toStrictEqual([
      { id: ids[0], timeUs: 1_700_000_000_123_456, side: 'broker', direction: 'in', connection: 'sensor-1', type: 'publish',
        topic: 'site/line3/sensor42/temp', qos: 2, retain: true, dup: true, packetId: 65535, reasonCode: null,
        fields: { properties: { contentType: 'text/plain', userProperties: [['a', 'b'], ['a', 'c']] }, nested: [1, null, 'x'] },
        payload: payload.toString('base64'), payloadSize: 300, head: null, willOf: 'gone-1' },
      { id: ids[1], timeUs: 1_700_000_000_200_000, side: 'client', direction: 'out', connection: 'probe', type: 'suback',
        topic: null, qos: null, retain: false, dup: false, packetId: 7, reasonCode: 0x87, fields: { granted: [0, 128] },
        payload: null, payloadSize: 0, head: Buffer.from([0x90, 0x04, 0x00, 0x07, 0x00, 0x80]).toString('base64'), willOf: null },
      { id: ids[2], timeUs: 1, side: 'broker', direction: 'in', connection: '#3', type: 'publish', topic: 'empty', qos: 0,
        retain: false, dup: false, packetId: null, reasonCode: null, fields: {}, payload: '', payloadSize: 0, head: null, willOf: null },
    ]);
    expect(Buffer.from(records[0].payload!, 'base64').equals(payload)).toBe(true);
  });

  it('keeps at most payloadCapBytes of a payload, records its original size, and cuts further on request', () => {
    const log = openLog({ payloadCapBytes: 1000 });
    const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    log.append(entry({ payload }));
    const stored = temp.open(temp.file); // a second connection: what is really in the file
    log.flush();
    expect(stored.prepare('SELECT length(payload) FROM traffic').pluck().get()).toBe(1000);

    const full = query(log, { payloadBytes: 1_048_576 }).records[0];
    expect(full.payloadSize).toBe(5000);
    expect(Buffer.from(full.payload!, 'base64').equals(payload.subarray(0, 1000))).toBe(true);
    const cut = query(log, { payloadBytes: 10 }).records[0];
    expect(Buffer.from(cut.payload!, 'base64').equals(payload.subarray(0, 10))).toBe(true);
    expect(cut.payloadSize).toBe(5000);
    expect(query(log, { payloadBytes: 0 }).records[0].payload).toBe('');
  });

  it('carries at most 32 MiB of payload per page: fewer records, and a next to go on', () => {
    const log = openLog({ payloadCapBytes: 1024 * 1024 });
    for (let i = 0; i < 40; i++) log.append(entry({ payload: Buffer.alloc(1024 * 1024, i) }));
    const page = query(log, { limit: 100, payloadBytes: 1024 * 1024 });
    expect(page.records).toHaveLength(32);
    expect(page.next).toBe(9);
    expect(query(log, { limit: 100, payloadBytes: 1024 * 1024, cursor: 9 }).records).toHaveLength(8);
    expect(query(log, { limit: 100, payloadBytes: 4096 }).records).toHaveLength(40);
  });

  it('stores a fractional time rounded to the microsecond rather than losing the batch', () => {
    const log = openLog();
    log.append(entry({ timeUs: 1_700_000_000_000_000.6 }));
    expect(query(log).records[0].timeUs).toBe(1_700_000_000_000_001);
  });

  it('copies the payload at append: a caller reusing its buffer does not change the log', () => {
    const log = openLog();
    const buffer = Buffer.from('first');
    log.append(entry({ payload: buffer }));
    buffer.write('XXXXX');
    expect(Buffer.from(query(log).records[0].payload!, 'base64').toString()).toBe('first');
  });

  it('keeps a record whose fields cannot be JSON, saying why', () => {
    const log = openLog();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(log.append(entry({ fields: cyclic }))).toBe(1);
    expect(query(log).records[0].fields).toMatchObject({ unstored: expect.stringMatching(/could not be stored/) });
  });
});

describe('TrafficLog paging', () => {
  it('walks every record exactly once, newest first and oldest first, across blocks', () => {
    const log = openLog();
    const ids = randomEntries(9_500, 1).map((e) => log.append(e));
    for (const limit of [1, 97, 1000]) {
      if (limit === 1) {
        // one record per page is slow to walk: check the first and last few pages only
        const newest = query(log, { limit: 1 });
        expect(newest.records.map((r) => r.id)).toStrictEqual([ids[ids.length - 1]]);
        expect(query(log, { limit: 1, cursor: newest.next! }).records[0].id).toBe(ids[ids.length - 2]);
        expect(query(log, { limit: 1, cursor: ids[0] }).next).toBeNull();
        continue;
      }
      expect(walk(log, { limit, order: 'desc', payloadBytes: 0 }).map((r) => r.id)).toStrictEqual([...ids].reverse());
      expect(walk(log, { limit, order: 'asc', payloadBytes: 0 }).map((r) => r.id)).toStrictEqual(ids);
    }
  });

  it('returns next only for a full page, and an empty page after the last full one', () => {
    const log = openLog();
    for (let i = 0; i < 10; i++) log.append(entry());
    const first = query(log, { limit: 5 });
    expect(first.next).toBe(6);
    const second = query(log, { limit: 5, cursor: first.next! });
    expect(second.records.map((r) => r.id)).toStrictEqual([5, 4, 3, 2, 1]);
    expect(second.next).toBe(1);
    expect(query(log, { limit: 5, cursor: second.next! })).toStrictEqual({ records: [], next: null });
    expect(query(log, { limit: 11 }).next).toBeNull();
  });
});

describe('TrafficLog ids and batching', () => {
  it('assigns increasing ids that go on after the log and the file are opened again', () => {
    const db = temp.open();
    const first = new TrafficLog(db);
    expect([first.append(entry()), first.append(entry()), first.append(entry())]).toStrictEqual([1, 2, 3]);
    first.close();
    const second = new TrafficLog(db);
    expect(second.append(entry())).toBe(4);
    second.close();
    db.close();
    const third = openLog({}, temp.open(temp.file));
    expect(third.append(entry())).toBe(5);
    expect(query(third, { order: 'asc' }).records.map((r) => r.id)).toStrictEqual([1, 2, 3, 4, 5]);
  });

  it('with flushDelayMs 0, writes everything appended in one event-loop turn at its end, in one transaction', async () => {
    const db = temp.open();
    const log = openLog({ flushDelayMs: 0 }, db);
    const reader = temp.open(temp.file); // another connection sees only committed rows
    for (let i = 0; i < 1000; i++) log.append(entry());
    expect(rowsOnDisk(reader)).toBe(0);
    const changesBefore = db.prepare<[], number>('SELECT total_changes()').pluck().get()!;
    await turn();
    expect(rowsOnDisk(reader)).toBe(1000);
    // 1000 rows plus the block summaries (one row per distinct value per block and the block's span)
    expect(db.prepare<[], number>('SELECT total_changes()').pluck().get()! - changesBefore).toBe(1000 + 2 + 1);
  });

  it('writes at once when the queue is full (2,000 rows or 16 MiB of kept payload), so memory stays bounded', () => {
    const db = temp.open();
    const log = openLog({ payloadCapBytes: 1024 * 1024 }, db);
    for (let i = 0; i < 1999; i++) log.append(entry());
    expect(rowsOnDisk(db)).toBe(0);
    log.append(entry());
    expect(rowsOnDisk(db)).toBe(2000);
    for (let i = 0; i < 16; i++) log.append(entry({ payload: Buffer.alloc(1024 * 1024) }));
    expect(rowsOnDisk(db)).toBe(2016);
  });

  it('gathers appends for 20 ms by default, or flushDelayMs', async () => {
    const db = temp.open();
    const byDefault = openLog({}, db);
    byDefault.append(entry());
    await turn();
    expect(rowsOnDisk(db)).toBe(0);
    await new Promise((done) => setTimeout(done, 40));
    expect(rowsOnDisk(db)).toBe(1);
    byDefault.close();
    const slower = openLog({ flushDelayMs: 80 }, db); // one log per database at a time: it owns the ids
    slower.append(entry());
    await new Promise((done) => setTimeout(done, 40));
    expect(rowsOnDisk(db)).toBe(1);
    await new Promise((done) => setTimeout(done, 80));
    expect(rowsOnDisk(db)).toBe(2);
  });

  it('lets a query see records appended but not yet written', () => {
    const log = openLog();
    const id = log.append(entry({ topic: 'fresh' }));
    expect(query(log, { topic: 'fresh' }).records.map((r) => r.id)).toStrictEqual([id]);
  });
});

describe('TrafficLog failures', () => {
  /** SQLite's own "database or disk is full", from a page limit just above what the file has now. */
  function fillUp(db: SqliteDatabase): void {
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
  }
  const big = () => entry({ connection: 'c9', topic: 'lost/topic', payload: Buffer.alloc(100_000, 1) });

  it('reports a batch it cannot write through onError, drops it, counts it as lost, and goes on', async () => {
    const db = temp.open();
    const errors: StoreError[] = [];
    const log = openLog({ onError: (error) => errors.push(error) }, db);
    log.append(entry());
    log.flush();
    fillUp(db);
    const lostIds = [log.append(big()), log.append(big())];
    await new Promise((done) => setTimeout(done, 50)); // the scheduled flush fails in a timer callback: it must not throw there
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StoreError);
    expect(errors[0].code).toBe('write-failed');
    expect(errors[0].message).toMatch(/full/);
    expect(errors[0].message).toContain(temp.file);
    expect(log.stats()).toMatchObject({ records: 1, written: 1, lost: 2 });

    db.pragma('max_page_count = 1000000');
    const next = log.append(entry({ connection: 'c9', topic: 'lost/topic' }));
    expect(next).toBeGreaterThan(lostIds[1]);
    // the block summaries of the failed batch were rolled back with it; the same values, written now, are found
    expect(query(log, { topic: 'lost/topic' }).records.map((r) => r.id)).toStrictEqual([next]);
    expect(query(log, { topic: 'lost/#' }).records.map((r) => r.id)).toStrictEqual([next]);
    expect(query(log, { connections: ['c9'] }).records.map((r) => r.id)).toStrictEqual([next]);
    expect(log.stats()).toMatchObject({ records: 2, written: 2, lost: 2 });
  });

  it('warns once per run of failures when nobody listens, never throws', async () => {
    const db = temp.open();
    const log = openLog({}, db);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      fillUp(db);
      log.append(big());
      log.flush();
      log.append(big());
      log.flush();
      await turn();
      expect(warnings.filter((w) => w.name === 'TrafficLogWarning')).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('counts appends after close as lost and gives them id 0 (not in the log)', () => {
    const log = openLog();
    log.append(entry());
    log.close();
    expect(log.append(entry())).toBe(0);
    expect(log.stats()).toMatchObject({ records: 1, lost: 1 });
  });
});

describe('TrafficLog stats and clear', () => {
  it('reports records, bytes, times, written and pruned', () => {
    const log = openLog({ budgetBytes: 10 * 1024 * 1024 });
    expect(log.stats()).toStrictEqual({
      records: 0, bytes: expect.any(Number), budgetBytes: 10 * 1024 * 1024, oldestUs: null, newestUs: null,
      written: 0, pruned: 0, lost: 0,
    });
    log.append(entry({ timeUs: 500 }));
    log.append(entry({ timeUs: 400 }));
    log.append(entry({ timeUs: 900 }));
    const stats = log.stats();
    expect(stats).toMatchObject({ records: 3, oldestUs: 500, newestUs: 900, written: 3, pruned: 0 });
    expect(stats.bytes).toBeGreaterThan(0);
  });

  it('counts the records of a log it did not write itself (from the block counts)', () => {
    const db = temp.open();
    const writer = new TrafficLog(db);
    for (const e of randomEntries(9_000, 2)) writer.append(e);
    writer.close();
    db.prepare('DELETE FROM traffic WHERE id <= 10').run(); // as pruning would: the oldest, inside a block
    expect(openLog({}, db).stats().records).toBe(8_990);
  });

  it('clear() deletes everything, queued records too, returns how many, and ids go on', () => {
    const db = temp.open();
    const log = openLog({}, db);
    for (let i = 0; i < 10; i++) log.append(entry());
    log.flush();
    log.append(entry()); // still queued
    expect(log.clear()).toBe(11);
    expect(rowsOnDisk(db)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM traffic_seen').pluck().get()).toBe(0);
    expect(query(log)).toStrictEqual({ records: [], next: null });
    expect(log.stats()).toMatchObject({ records: 0, oldestUs: null });
    const id = log.append(entry({ topic: 'again' }));
    expect(id).toBe(12);
    expect(query(log, { topic: 'again' }).records.map((r) => r.id)).toStrictEqual([12]);
    expect(log.stats().records).toBe(1);
  });
});
