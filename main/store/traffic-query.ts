import type { Statement } from 'better-sqlite3';
import type { z } from 'zod';
import type { TrafficPage, TrafficQuery, TrafficRecord } from '../../shared/contract/traffic.js';
import { topicMatches } from '../../shared/mqtt/topic.js';
import type { SqliteDatabase } from './db.js';
import { TRAFFIC_BLOCK_SIZE } from './migrations/traffic-tables.js';
import { SEEN_CONNECTION, SEEN_TOPIC, blockOf } from './traffic-blocks.js';
import { type SelectedRow, sideCode, toRecord, typeCode } from './traffic-rows.js';

export type TrafficQueryOptions = z.output<typeof TrafficQuery>;

/** The SQL name of topicMatches(), so filters in SQL agree with the broker's to the letter. */
const MATCH = 'mqtt_topic_matches';

/** Blocks asked for at a time: a dense filter fills its page from the first one or two. */
const BLOCKS_PER_STEP = 16;

/**
 * The most payload bytes one page may carry: 1,000 records with 1 MiB each would be a gigabyte of
 * base64. A query asking for more per record gets fewer records per page (and a `next` to go on).
 */
const PAGE_PAYLOAD_BUDGET = 32 * 1024 * 1024;

/** Enough for every shape the UI asks for; beyond it the cache starts over rather than growing. */
const STATEMENT_CACHE_SIZE = 100;

// substr() of an empty BLOB is NULL, which would read back as "no payload": hence the coalesce.
const COLUMNS =
  'id, time_us, side, direction, connection, type, topic, qos, retain, dup, packet_id, reason_code, fields, ' +
  "CASE WHEN payload IS NULL THEN NULL ELSE coalesce(substr(payload, 1, ?), x'') END AS payload, payload_size, head, will_of";

interface Sql {
  where: string[];
  params: unknown[];
}
const add = (sql: Sql, condition: string, ...values: unknown[]) => {
  sql.where.push(condition);
  sql.params.push(...values);
};

/**
 * Keyset-paged reads of the traffic log. The rows have no secondary index (see the migration). A query
 * with a topic, connections or a time range walks the block summaries from its cursor on, in its order,
 * and reads the rows of each block whose summary allows a match, with every filter applied exactly, until
 * the page is full; one SQL statement picks the next blocks, so a filter that matches nothing deep in the
 * log costs a seek per block, not a read of every row. Any other query reads ids from the cursor on.
 */
export class TrafficQueries {
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: SqliteDatabase) {
    db.function(MATCH, { deterministic: true }, (filter, topic) =>
      typeof topic === 'string' && topicMatches(filter as string, topic) ? 1 : 0,
    );
  }

  page(q: TrafficQueryOptions): TrafficPage {
    // An empty list is "any of none": nothing matches (an absent list is no filter).
    if (q.types?.length === 0 || q.connections?.length === 0) return { records: [], next: null };
    const desc = q.order === 'desc';
    const order = desc ? 'DESC' : 'ASC';
    const limit = Math.min(q.limit, Math.max(1, Math.floor(PAGE_PAYLOAD_BUDGET / Math.max(1, q.payloadBytes))));
    const { rows, blocks } = filters(q);

    // The cursor bounds the ids themselves: as a separate `id < ?` SQLite would search by the other
    // bound and test the cursor row by row, reading every earlier page again.
    const low = q.cursor !== undefined && !desc ? q.cursor + 1 : 0;
    const high = q.cursor !== undefined && desc ? q.cursor - 1 : Number.MAX_SAFE_INTEGER;
    const readRows = this.statement(
      `SELECT ${COLUMNS} FROM traffic WHERE id BETWEEN ? AND ? AND ${rows.where.join(' AND ')} ORDER BY id ${order} LIMIT ?`,
    ) as Statement<unknown[], SelectedRow>;
    const records: TrafficRecord[] = [];
    const read = (from: number, to: number) => {
      if (from > to) return;
      for (const row of readRows.all(q.payloadBytes, from, to, ...rows.params, limit - records.length)) {
        records.push(toRecord(row));
      }
    };

    if (blocks.where.length === 0) read(low, high);
    else {
      const nextBlocks = this.statement(
        `SELECT b.block FROM traffic_blocks b WHERE b.block ${desc ? '<=' : '>='} ? AND ${blocks.where.join(' AND ')} ` +
          `ORDER BY b.block ${order} LIMIT ${BLOCKS_PER_STEP}`,
      ).pluck() as Statement<unknown[], number>;
      let edge = blockOf(desc ? high : low);
      for (;;) {
        const step = nextBlocks.all(edge, ...blocks.params);
        for (const block of step) {
          const first = block * TRAFFIC_BLOCK_SIZE;
          read(Math.max(low, first), Math.min(high, first + TRAFFIC_BLOCK_SIZE - 1));
          if (records.length === limit) break;
        }
        if (records.length === limit || step.length < BLOCKS_PER_STEP) break;
        edge = step[step.length - 1] + (desc ? -1 : 1);
      }
    }
    return { records, next: records.length === limit ? records[records.length - 1].id : null };
  }

  private statement(sql: string): Statement<unknown[]> {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      statement = this.db.prepare<unknown[]>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * The query's filters twice: exactly, on the rows; and as far as the block summaries can tell, on the
 * blocks (a topic, connections, a time range; side and types are in every block).
 */
function filters(q: TrafficQueryOptions): { rows: Sql; blocks: Sql } {
  const rows: Sql = { where: ['1'], params: [] };
  const blocks: Sql = { where: [], params: [] };
  if (q.side !== undefined) add(rows, 'side = ?', sideCode(q.side));
  if (q.types) add(rows, `type IN (${q.types.map(typeCode).join(', ')})`);
  if (q.connections) {
    const list = q.connections.map(() => '?').join(', ');
    add(rows, `connection IN (${list})`, ...q.connections);
    add(blocks, `EXISTS (SELECT 1 FROM traffic_seen s WHERE s.block = b.block AND s.kind = ${SEEN_CONNECTION} ` +
      `AND s.value IN (${list}))`, ...q.connections);
  }
  if (q.fromUs !== undefined) {
    add(rows, 'time_us >= ?', q.fromUs);
    add(blocks, 'b.max_time_us >= ?', q.fromUs);
  }
  if (q.toUs !== undefined) {
    add(rows, 'time_us <= ?', q.toUs);
    add(blocks, 'b.min_time_us <= ?', q.toUs);
  }
  if (q.topic !== undefined) {
    const test = topicTest(q.topic);
    add(rows, test.sql('topic'), ...test.params);
    // With a literal prefix, a block's matching topics are a range of its entries, not all of them.
    const range = literalRange(q.topic);
    const seek = range !== null && range !== 'exact' ? [range.lower, range.upper] : [];
    add(blocks, `EXISTS (SELECT 1 FROM traffic_seen s WHERE s.block = b.block AND s.kind = ${SEEN_TOPIC} ` +
      `${seek.length ? 'AND s.value >= ? AND s.value < ? ' : ''}AND ${test.sql('s.value')})`, ...seek, ...test.params);
  }
  return { rows, blocks };
}

/**
 * The SQL test of a topic column against a filter: equality without wildcards; otherwise GLOB, which runs
 * inside SQLite and lets a superset through, then topicMatches() on what is left.
 */
function topicTest(filter: string): { sql: (column: string) => string; params: string[] } {
  if (literalRange(filter) === 'exact') return { sql: (column) => `${column} = ?`, params: [filter] };
  return { sql: (column) => `${column} GLOB ? AND ${MATCH}(?, ${column})`, params: [globOf(filter), filter] };
}

/**
 * A GLOB pattern that every topic matching the filter matches: `+` becomes `*`, a trailing `/#` becomes
 * `*` after the literal part (so `a/#` still lets `a` through); GLOB's own specials are bracketed.
 */
export function globOf(filter: string): string {
  const levels = filter.split('/');
  const multi = levels[levels.length - 1] === '#';
  if (multi) levels.pop();
  const pattern = levels.map((level) => (level === '+' ? '*' : level.replace(/[*?[]/g, '[$&]'))).join('/');
  return multi ? `${pattern}*` : pattern;
}

/**
 * What the topic order can do for a filter: 'exact' when it has no wildcard (matching is then equality);
 * for `a/b/+/c` or `a/b/#`, a range of topics that holds every match, [L, L + '0') with L = 'a/b' (a
 * match is L itself or L + '/' + more, and '/' sorts just before '0'); null when it starts with a wildcard.
 */
export function literalRange(filter: string): 'exact' | { lower: string; upper: string } | null {
  const levels = filter.split('/');
  const wild = levels.findIndex((level) => level === '+' || level === '#');
  if (wild === -1) return 'exact';
  if (wild === 0) return null;
  const literal = levels.slice(0, wild).join('/');
  return { lower: literal, upper: `${literal}0` };
}
