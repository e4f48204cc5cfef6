// Seeded traffic for the traffic log tests: entries, the queries to ask about them, and the plain-JS answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKET_TYPES, TrafficQuery, type TrafficQueryInput } from '../../shared/contract/traffic.js';
import { topicMatches } from '../../shared/mqtt/topic.js';
import type { SqliteDatabase } from '../../main/store/db.js';
import type { TrafficEntry } from '../../main/store/traffic-log.js';
import { openWorkbenchDatabase } from '../../main/store/workbench-db.js';
import { prng, randomFilter, randomTopic } from '../helpers/random-topics.js';

export const CONNECTIONS = ['c1', 'c2', 'c3', '#7', 'probe'];

export function entry(overrides: Partial<TrafficEntry> = {}): TrafficEntry {
  return {
    timeUs: 1_700_000_000_000_000, side: 'broker', direction: 'in', connection: 'c1', type: 'publish',
    topic: 'a/b', qos: 0, retain: false, dup: false, packetId: null, reasonCode: null, fields: null,
    payload: Buffer.from('hello'), head: null, ...overrides,
  };
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)];

/**
 * `count` entries with times that mostly increase but jitter (as several sources do), topics from the
 * small alphabet of random-topics.ts plus `$SYS/…`, and a rare connection and topic that occur only in
 * a short stretch, so most blocks of the log do not have them.
 */
export function randomEntries(count: number, seed: number): TrafficEntry[] {
  const rand = prng(seed);
  const entries: TrafficEntry[] = [];
  let time = 1_700_000_000_000_000;
  for (let i = 0; i < count; i++) {
    time += Math.floor(rand() * 100);
    const rare = i > count * 0.3 && i < count * 0.3 + 20;
    const type = rand() < 0.5 ? 'publish' : pick(rand, PACKET_TYPES);
    const topic = rare ? 'rare/topic' : type === 'publish' || type === 'subscribe'
      ? (rand() < 0.1 ? `$SYS/${randomTopic(rand)}` : randomTopic(rand))
      : null;
    entries.push({
      timeUs: time - Math.floor(rand() * 500),
      side: rand() < 0.7 ? 'broker' : 'client',
      direction: rand() < 0.5 ? 'in' : 'out',
      connection: rare ? 'rare-client' : pick(rand, CONNECTIONS),
      type,
      topic,
      qos: type === 'publish' ? pick(rand, [0, 1, 2] as const) : null,
      retain: rand() < 0.1,
      dup: rand() < 0.05,
      packetId: rand() < 0.5 ? Math.floor(rand() * 65535) + 1 : null,
      reasonCode: rand() < 0.3 ? Math.floor(rand() * 256) : null,
      fields: rand() < 0.2 ? { n: i, properties: { userProperties: [['k', String(i)]] } } : null,
      payload: type === 'publish' ? Buffer.from(`payload ${i}`) : null,
      head: rand() < 0.5 ? Buffer.from([0x30, i & 0x7f]) : null,
    });
  }
  return entries;
}

/** A random query: each filter present about a third of the time, lists sometimes empty. */
export function randomQuery(rand: () => number, firstUs: number, lastUs: number): TrafficQueryInput {
  const q: TrafficQueryInput = { order: rand() < 0.5 ? 'asc' : 'desc', limit: 1 + Math.floor(rand() * 1000), payloadBytes: 0 };
  const maybe = () => rand() < 0.35;
  if (maybe()) q.side = rand() < 0.5 ? 'broker' : 'client';
  if (maybe()) q.connections = [...CONNECTIONS, 'rare-client', 'nobody'].filter(() => rand() < 0.3);
  if (maybe()) q.types = PACKET_TYPES.filter(() => rand() < 0.3);
  if (maybe()) q.topic = rand() < 0.15 ? pick(rand, ['rare/#', 'rare/topic', '$SYS/#', '+/+', '#', '$SYS/+/b']) : randomFilter(rand);
  const span = lastUs - firstUs;
  if (maybe()) q.fromUs = firstUs + Math.floor(rand() * span);
  if (maybe()) q.toUs = (q.fromUs ?? firstUs) + Math.floor(rand() * span * 0.3);
  return q;
}

/** The answer in plain JS: ids of matching entries (ids[i] is entries[i]'s id), in the query's order. */
export function expectedIds(entries: readonly TrafficEntry[], ids: readonly number[], input: TrafficQueryInput): number[] {
  const q = TrafficQuery.parse(input);
  const matching = ids.filter((_, i) => {
    const e = entries[i];
    return (q.side === undefined || e.side === q.side)
      && (q.connections === undefined || q.connections.includes(e.connection))
      && (q.types === undefined || q.types.includes(e.type))
      && (q.topic === undefined || (e.topic !== null && topicMatches(q.topic, e.topic)))
      && (q.fromUs === undefined || e.timeUs >= q.fromUs)
      && (q.toUs === undefined || e.timeUs <= q.toUs);
  });
  return q.order === 'asc' ? matching : matching.reverse();
}

/** A temporary folder and the workbench databases opened in it, all closed and removed by cleanup(). */
export function tempWorkbench(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `mqtt-workbench-${prefix}-`));
  const open: SqliteDatabase[] = [];
  return {
    dir,
    file: join(dir, 'workbench.db'),
    open(file = join(dir, 'workbench.db')): SqliteDatabase {
      const db = openWorkbenchDatabase(file);
      open.push(db);
      return db;
    },
    cleanup() {
      for (const db of open.splice(0)) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
