// Traffic log filters against a plain-JS answer (topicMatches for topics), and the disk budget.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TrafficQuery, type TrafficQueryInput } from '../../shared/contract/traffic.js';
import { topicMatches } from '../../shared/mqtt/topic.js';
import type { SqliteDatabase } from '../../main/store/db.js';
import { TRAFFIC_BLOCK_SIZE } from '../../main/store/migrations/workbench-001-traffic-profiles.js';
import { TrafficLog } from '../../main/store/traffic-log.js';
import { globOf, literalRange } from '../../main/store/traffic-query.js';
import { prng, randomFilter, randomTopic } from '../helpers/random-topics.js';
import { entry, expectedIds, randomEntries, randomQuery, tempWorkbench } from './traffic-fixtures.js';

let temp: ReturnType<typeof tempWorkbench>;
beforeEach(() => {
  temp = tempWorkbench('traffic-query');
});
afterEach(() => temp.cleanup());

const query = (log: TrafficLog, input: TrafficQueryInput) => log.query(TrafficQuery.parse(input));

function walkIds(log: TrafficLog, input: TrafficQueryInput): number[] {
  const ids: number[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = query(log, { ...input, cursor });
    ids.push(...page.records.map((r) => r.id));
    if (page.next === null) return ids;
    cursor = page.next;
  }
}

// Enough entries for several blocks, so the block summaries are used, skipped and pruned.
const COUNT = TRAFFIC_BLOCK_SIZE * 3 + 1234;
const ENTRIES = randomEntries(COUNT, 42);
const timeAt = (fraction: number) => ENTRIES[Math.floor(COUNT * fraction)].timeUs;
const FIRST_US = Math.min(...ENTRIES.map((e) => e.timeUs));
const LAST_US = Math.max(...ENTRIES.map((e) => e.timeUs));

describe('TrafficLog filters', () => {
  let shared: ReturnType<typeof tempWorkbench>;
  let log: TrafficLog;
  let ids: number[];
  beforeAll(() => {
    shared = tempWorkbench('traffic-filters');
    log = new TrafficLog(shared.open());
    ids = ENTRIES.map((e) => log.append(e));
    log.flush();
  });
  afterAll(() => {
    log.close();
    shared.cleanup();
  });

  const check = (input: TrafficQueryInput) => {
    expect(walkIds(log, input), JSON.stringify(input)).toStrictEqual(expectedIds(ENTRIES, ids, input));
  };

  it.each<[string, TrafficQueryInput]>([
    ['side broker', { side: 'broker' }],
    ['side client', { side: 'client', order: 'asc' }],
    ['one connection', { connections: ['c2'] }],
    ['any of several connections', { connections: ['c1', '#7'], order: 'asc' }],
    ['a rare connection, in one stretch', { connections: ['rare-client'] }],
    ['a connection that never occurs', { connections: ['nobody'] }],
    ['no connections at all', { connections: [] }],
    ['one type', { types: ['pingreq'] }],
    ['several types', { types: ['connect', 'suback', 'auth'], order: 'asc' }],
    ['no types at all', { types: [] }],
    ['from', { fromUs: timeAt(0.5) }],
    ['to', { toUs: timeAt(0.2), order: 'asc' }],
    ['from and to (inclusive)', { fromUs: timeAt(0.4), toUs: timeAt(0.45) }],
    ['an exact topic', { topic: 'a/b' }],
    ['a rare exact topic', { topic: 'rare/topic' }],
    ['#', { topic: '#' }],
    ['+/+', { topic: '+/+', order: 'asc' }],
    ['$SYS/#', { topic: '$SYS/#' }],
    ['$SYS/+/b', { topic: '$SYS/+/b' }],
    ['a/#', { topic: 'a/#' }],
    ['+/b/#', { topic: '+/b/#' }],
    ['/+ (empty first level)', { topic: '/+' }],
    ['everything together', { side: 'broker', connections: ['c1', 'c3'], types: ['publish'], topic: 'a/+', fromUs: timeAt(0.1), toUs: timeAt(0.9) }],
  ])('%s', (_, input) => {
    expect(expectedIds(ENTRIES, ids, { ...input, limit: 1000 }).length).toBeGreaterThanOrEqual(0);
    for (const limit of [7, 100]) check({ ...input, limit, payloadBytes: 0 });
  });

  it('answers 200 random combinations exactly as the plain-JS filter does, page by page', () => {
    const rand = prng(7);
    for (let i = 0; i < 200; i++) check(randomQuery(rand, FIRST_US, LAST_US));
  });
});

describe('TrafficLog filters after pruning', () => {
  it('gives the same answers once the oldest records and their block summaries were pruned', () => {
    const db = temp.open();
    const writer = new TrafficLog(db);
    const ids = ENTRIES.map((e) => writer.append(e));
    writer.close();
    // A budget of 60% of what is used now: the next flush prunes, oldest first, partly inside a block.
    const log = new TrafficLog(db, { budgetBytes: pageBytes(db) * 0.6 });
    const extra = entry({ timeUs: LAST_US });
    ids.push(log.append(extra));
    log.flush();
    const kept = log.stats().records;
    expect(kept).toBeLessThan(COUNT * 0.7);
    const entries = [...ENTRIES, extra].slice(-kept);
    const keptIds = ids.slice(-kept);
    expect(query(log, { order: 'asc', limit: 1 }).records[0].id).toBe(keptIds[0]);
    const rand = prng(8);
    for (let i = 0; i < 100; i++) {
      const input = randomQuery(rand, FIRST_US, LAST_US);
      expect(walkIds(log, input), JSON.stringify(input)).toStrictEqual(expectedIds(entries, keptIds, input));
    }
    log.close();
  });
});

function pageBytes(db: SqliteDatabase): number {
  return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
}

describe('TrafficLog block summaries', () => {
  it('finds a value spread thinly over more blocks than one step of the block walk looks at', () => {
    const log = new TrafficLog(temp.open());
    const sparse: number[] = [];
    for (let i = 0; i < TRAFFIC_BLOCK_SIZE * 40 + 100; i++) {
      const hit = i % 5000 === 1234;
      const id = log.append(entry({ connection: hit ? 'sparse' : 'busy', topic: hit ? 'sparse/x' : 'busy/x', payload: null }));
      if (hit) sparse.push(id);
    }
    for (const filter of [{ connections: ['sparse'] }, { topic: 'sparse/#' }, { topic: 'sparse/x' }]) {
      for (const limit of [3, 20]) { // 20: more than one step of blocks per page
        expect(walkIds(log, { ...filter, limit })).toStrictEqual([...sparse].reverse());
        expect(walkIds(log, { ...filter, limit, order: 'asc' })).toStrictEqual(sparse);
      }
    }
    log.close();
  });

  it('finds records whose time is out of order within a block and within a batch', () => {
    const log = new TrafficLog(temp.open());
    const ids = [1000, 10, 2000, 5].map((timeUs) => log.append(entry({ timeUs })));
    log.flush();
    const late = [3000, 1].map((timeUs) => log.append(entry({ timeUs }))); // a second batch, same block
    expect(walkIds(log, { toUs: 7 })).toStrictEqual([late[1], ids[3]]);
    expect(walkIds(log, { fromUs: 1500 })).toStrictEqual([late[0], ids[2]]);
    expect(walkIds(log, { fromUs: 6, toUs: 10 })).toStrictEqual([ids[1]]);
    log.close();
  });
});

describe('topic filter helpers', () => {
  it('GLOB pattern and literal range let through every topic that topicMatches accepts (random, with $ topics)', () => {
    const rand = prng(99);
    const db = temp.open();
    const glob = db.prepare<[string, string], number>('SELECT ? GLOB ?').pluck();
    const inRange = db.prepare<[string, string, string, string], number>('SELECT ? >= ? AND ? < ?').pluck();
    let matched = 0;
    for (let i = 0; i < 20_000; i++) {
      const filter = rand() < 0.2 ? `$SYS/${randomFilter(rand)}` : randomFilter(rand);
      const topic = rand() < 0.2 ? `$SYS/${randomTopic(rand)}` : randomTopic(rand);
      if (!topicMatches(filter, topic)) continue;
      matched++;
      expect(glob.get(topic, globOf(filter)), `${filter} ${topic}`).toBe(1);
      const range = literalRange(filter);
      if (range === 'exact') expect(topic).toBe(filter);
      else if (range) expect(inRange.get(topic, range.lower, topic, range.upper), `${filter} ${topic}`).toBe(1);
    }
    expect(matched).toBeGreaterThan(1000);
  });

  it('brackets GLOB specials in topics', () => {
    expect(globOf('a*b/+/c?[d]/#')).toBe('a[*]b/*/c[?][[]d]*');
    expect(globOf('#')).toBe('*');
  });

  it('matches $ topics only with a literal first level, like topicMatches', () => {
    const log = new TrafficLog(temp.open());
    const topics = ['$SYS/broker/load', '$SYS', 'SYS/broker', 'a', '$share/g/a', '/a'];
    const byTopic = new Map(topics.map((topic) => [log.append(entry({ topic })), topic]));
    for (const filter of ['#', '+/#', '+/broker/+', '$SYS/#', '$SYS/+/load', '+', '$share/g/a', '/#', '+/a']) {
      const found = query(log, { topic: filter }).records.map((r) => byTopic.get(r.id));
      expect(found.sort(), filter).toStrictEqual(topics.filter((t) => topicMatches(filter, t)).sort());
    }
    log.close();
  });
});

describe('TrafficLog disk budget', () => {
  it('keeps the used size under the budget, deleting the oldest records first', () => {
    const db = temp.open();
    const budget = 2 * 1024 * 1024;
    const log = new TrafficLog(db, { budgetBytes: budget });
    let lastId = 0;
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 100; i++) {
        lastId = log.append(entry({ connection: `c${batch}`, topic: `t/${batch}`, payload: Buffer.alloc(1000, batch) }));
      }
      log.flush();
      const used = ((db.prepare('SELECT page_count - freelist_count FROM pragma_page_count(), pragma_freelist_count()')
        .pluck().get() as number) * (db.pragma('page_size', { simple: true }) as number));
      expect(used).toBeLessThanOrEqual(budget);
      expect(log.stats().bytes).toBe(used);
    }
    const stats = log.stats();
    expect(stats.pruned).toBeGreaterThan(0);
    expect(stats.records + stats.pruned).toBe(4000);
    expect(stats.bytes).toBeLessThanOrEqual(budget);
    // what is left is exactly the newest records, in one run of ids
    const oldest = query(log, { order: 'asc', limit: 1 }).records[0].id;
    expect(oldest).toBe(stats.pruned + 1);
    expect(query(log, { limit: 1 }).records[0].id).toBe(lastId);
    expect(db.prepare('SELECT count(*) FROM traffic').pluck().get()).toBe(stats.records);
    // and the summaries of fully pruned blocks went with them, so a pruned connection is not found
    expect(query(log, { connections: ['c0'] }).records).toStrictEqual([]);
    log.close();
  });

  it('goes on deleting when the oldest records are smaller than the average', () => {
    const db = temp.open();
    const budget = 1024 * 1024;
    const log = new TrafficLog(db, { budgetBytes: budget });
    for (let i = 0; i < 4000; i++) log.append(entry({ payload: null, topic: null }));
    log.flush();
    for (let i = 0; i < 1000; i++) log.append(entry({ payload: Buffer.alloc(2000, 3) }));
    log.flush();
    const stats = log.stats();
    expect(stats.bytes).toBeLessThanOrEqual(budget);
    expect(stats.pruned).toBeGreaterThan(4000); // all the small ones, and some big ones
    log.close();
  });

  it('prunes in steps between the low-water mark and the budget, not all at once', () => {
    const db = temp.open();
    const log = new TrafficLog(db, { budgetBytes: 4 * 1024 * 1024 });
    const prunedPerFlush: number[] = [];
    for (let batch = 0; batch < 80; batch++) {
      for (let i = 0; i < 50; i++) log.append(entry({ payload: Buffer.alloc(1000, 1) }));
      const before = log.stats().pruned; // stats() flushes
      prunedPerFlush.push(before);
    }
    const steps = prunedPerFlush.map((p, i) => p - (prunedPerFlush[i - 1] ?? 0)).filter((d) => d > 0);
    expect(steps.length).toBeGreaterThan(5);
    expect(Math.max(...steps)).toBeLessThanOrEqual(150); // at most about twice a flush (50) at a time, once in steady state
    log.close();
  });
});
