import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './db.js';
import { TRAFFIC_BLOCK_SIZE } from './migrations/traffic-tables.js';
import type { TrafficRow } from './traffic-rows.js';

export const SEEN_TOPIC = 0;
export const SEEN_CONNECTION = 1;

export const blockOf = (id: number): number => Math.floor(id / TRAFFIC_BLOCK_SIZE);

/**
 * Keeps traffic_seen and traffic_blocks (see the migration) in step with the rows, inside the flush's
 * transaction. Remembers which values the current block already has, so a busy topic costs one
 * lookup in a Set per packet and one row per block.
 */
export class BlockWriter {
  private block = -1;
  private readonly topics = new Set<string>();
  private readonly connections = new Set<string>();
  private readonly seen: Statement<[number, string, number]>;
  private readonly span: Statement<[number, number, number, number]>;
  private readonly pruneSeen: Statement<[number]>;
  private readonly pruneBlocks: Statement<[number]>;

  constructor(db: SqliteDatabase) {
    this.seen = db.prepare('INSERT OR IGNORE INTO traffic_seen (kind, value, block) VALUES (?, ?, ?)');
    this.span = db.prepare(
      'INSERT INTO traffic_blocks (block, records, min_time_us, max_time_us) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (block) DO UPDATE SET records = records + excluded.records, ' +
        'min_time_us = min(min_time_us, excluded.min_time_us), max_time_us = max(max_time_us, excluded.max_time_us)',
    );
    this.pruneSeen = db.prepare('DELETE FROM traffic_seen WHERE block < ?');
    this.pruneBlocks = db.prepare('DELETE FROM traffic_blocks WHERE block < ?');
  }

  /** Records the rows' values and times; rows come in increasing id order. Call inside the rows' transaction. */
  write(rows: readonly TrafficRow[]): void {
    let spanBlock = -1;
    let count = 0;
    let min = 0;
    let max = 0;
    for (const row of rows) {
      const [id, timeUs, , , connection, , topic] = row;
      const block = blockOf(id);
      if (block !== this.block) {
        this.block = block;
        this.topics.clear();
        this.connections.clear();
      }
      if (block !== spanBlock) {
        if (spanBlock >= 0) this.span.run(spanBlock, count, min, max);
        spanBlock = block;
        count = 0;
        min = max = timeUs;
      } else if (timeUs < min) min = timeUs;
      else if (timeUs > max) max = timeUs;
      count++;
      if (topic !== null && !this.topics.has(topic)) {
        this.topics.add(topic);
        this.seen.run(SEEN_TOPIC, topic, block);
      }
      if (!this.connections.has(connection)) {
        this.connections.add(connection);
        this.seen.run(SEEN_CONNECTION, connection, block);
      }
    }
    if (spanBlock >= 0) this.span.run(spanBlock, count, min, max);
  }

  /** After a failed transaction or a clear: what the Sets say was written may not be there. */
  forget(): void {
    this.block = -1;
    this.topics.clear();
    this.connections.clear();
  }

  /**
   * Drops the summaries of blocks before `block`. Never the current block's: its Sets would then claim
   * values that are no longer recorded.
   */
  prune(block: number): void {
    const below = this.block >= 0 ? Math.min(block, this.block) : block;
    this.pruneSeen.run(below);
    this.pruneBlocks.run(below);
  }
}
