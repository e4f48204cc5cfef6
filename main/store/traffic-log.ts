import type { Statement } from 'better-sqlite3';
import type { TrafficPage, TrafficStats } from '../../shared/contract/traffic.js';
import type { SqliteDatabase } from './db.js';
import { StoreError, describeCause } from './errors.js';
import { TRAFFIC_BLOCK_SIZE } from './migrations/traffic-tables.js';
import { BlockWriter, blockOf } from './traffic-blocks.js';
import { TrafficQueries, type TrafficQueryOptions } from './traffic-query.js';
import { INSERT_SQL, type TrafficEntry, type TrafficRow, toRow } from './traffic-rows.js';

export type { TrafficEntry } from './traffic-rows.js';

export interface TrafficLogOptions {
  /** How much of each payload is kept (the original size is always recorded). Default 256 KiB. */
  payloadCapBytes?: number;
  /** The most the database may use, in bytes; the oldest records go first. Default 512 MiB. */
  budgetBytes?: number;
  /** How long appends gather before they are written; 0 writes at the end of the event-loop turn. Default 20. */
  flushDelayMs?: number;
  /**
   * Told about each batch that could not be written (disk full, I/O error); the batch is dropped and
   * counted as lost, and the log goes on. Without it, the first failure of a run of failures is a
   * process warning: a log that cannot write must never stop the broker.
   */
  onError?: (error: StoreError) => void;
}

const DEFAULT_PAYLOAD_CAP = 256 * 1024;
const DEFAULT_BUDGET = 512 * 1024 * 1024;
/**
 * Each commit rewrites at least the last page of every table it touches, so many small commits multiply
 * what goes through the WAL (and how often it is checkpointed). bench/traffic-log.js at a steady 20,000
 * packets/s: flushing every turn costs about 15% of a core and a 99th-percentile event-loop lag of 6 ms;
 * gathering for 20-25 ms, about 10% and 2 ms. Records are not late for readers: query() flushes first.
 */
const DEFAULT_FLUSH_DELAY_MS = 20;
/**
 * A full queue is written at once, so memory stays bounded however fast packets come, and one flush
 * blocks the event loop for a few milliseconds at most (2,000 rows: about 5 ms on the bench machine).
 */
const MAX_QUEUED_ROWS = 2_000;
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** Pruning aims this far under the budget, so it runs in small steps rather than after every flush. */
const LOW_WATER = 0.9;

/**
 * The traffic log: every packet the broker's connections and the named clients send or receive.
 *
 * append() only queues a row; a flush writes the queue in one transaction, flushDelayMs after the first
 * append, or at once when the queue is full. No transaction stays open between event-loop turns, so
 * profile writes and queries on the same database never wait for, or join, a batch.
 * After each flush the disk budget is checked (two header reads) and the oldest rows are deleted if needed.
 */
export class TrafficLog {
  private readonly payloadCap: number;
  private readonly budget: number;
  private readonly lowWater: number;
  private readonly pageSize: number;
  private readonly insert: Statement<TrafficRow>;
  private readonly insertAll: (rows: TrafficRow[]) => void;
  private readonly usedPages: Statement<[], number>;
  private readonly deleteOldest: Statement<[number]>;
  private readonly firstId: Statement<[], number | null>;
  private readonly blocks: BlockWriter;
  private readonly endTime: { oldest: Statement<[], number>; newest: Statement<[], number> };
  private readonly queries: TrafficQueries;
  private queue: TrafficRow[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private nextId: number;
  /** Counted once, when first needed, then kept up to date. */
  private records: number | undefined;
  private written = 0;
  private pruned = 0;
  private lost = 0;
  private failing = false;
  private closed = false;

  /**
   * Takes a database that openWorkbenchDatabase() opened; the caller keeps owning (and closes) it.
   * One TrafficLog per database at a time: it hands out the ids.
   */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: TrafficLogOptions = {},
  ) {
    this.payloadCap = options.payloadCapBytes ?? DEFAULT_PAYLOAD_CAP;
    this.budget = options.budgetBytes ?? DEFAULT_BUDGET;
    this.lowWater = this.budget * LOW_WATER;
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.insert = db.prepare<TrafficRow>(INSERT_SQL);
    this.blocks = new BlockWriter(db);
    this.insertAll = db.transaction((rows: TrafficRow[]) => {
      this.blocks.write(rows);
      for (const row of rows) this.insert.run(...row);
    });
    this.usedPages = db
      .prepare<[], number>('SELECT page_count - freelist_count FROM pragma_page_count(), pragma_freelist_count()')
      .pluck();
    this.deleteOldest = db.prepare<[number]>('DELETE FROM traffic WHERE id IN (SELECT id FROM traffic ORDER BY id LIMIT ?)');
    this.firstId = db.prepare<[], number | null>('SELECT min(id) FROM traffic').pluck();
    this.endTime = {
      oldest: db.prepare<[], number>('SELECT time_us FROM traffic ORDER BY id LIMIT 1').pluck(),
      newest: db.prepare<[], number>('SELECT time_us FROM traffic ORDER BY id DESC LIMIT 1').pluck(),
    };
    this.queries = new TrafficQueries(db);
    const max = db.prepare<[], number | null>('SELECT max(id) FROM traffic').pluck().get();
    this.nextId = (max ?? 0) + 1;
  }

  /** Queues one packet and returns its id; 0 (not in the log) once the log is closed. */
  append(entry: TrafficEntry): number {
    if (this.closed) {
      this.lost++;
      return 0;
    }
    const id = this.nextId++;
    const row = toRow(id, entry, this.payloadCap);
    this.queue.push(row);
    this.queuedBytes += row[13]?.length ?? 0;
    if (this.queue.length >= MAX_QUEUED_ROWS || this.queuedBytes >= MAX_QUEUED_BYTES) this.flush();
    else this.timer ??= this.schedule();
    return id;
  }

  /** Writes everything queued, in one transaction. A failure is reported (see onError), never thrown. */
  flush(): void {
    this.cancelTimer();
    if (this.queue.length === 0) return;
    const rows = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    try {
      this.insertAll(rows);
    } catch (error) {
      this.blocks.forget();
      this.lost += rows.length;
      this.report(error, `${rows.length} record(s) were dropped`);
      return;
    }
    this.failing = false;
    this.written += rows.length;
    if (this.records !== undefined) this.records += rows.length;
    try {
      this.keepInBudget(rows.length);
    } catch (error) {
      this.report(error, 'old records could not be deleted to stay within the disk budget');
    }
  }

  query(q: TrafficQueryOptions): TrafficPage {
    this.flush();
    return this.queries.page(q);
  }

  stats(): TrafficStats {
    this.flush();
    return {
      records: this.recordCount(),
      bytes: this.usedBytes(),
      budgetBytes: this.budget,
      oldestUs: this.endTime.oldest.get() ?? null,
      newestUs: this.endTime.newest.get() ?? null,
      written: this.written,
      pruned: this.pruned,
      lost: this.lost,
    };
  }

  /** Deletes every record, queued ones included; returns how many. Ids go on increasing. */
  clear(): number {
    this.flush();
    const deleted = this.db.transaction(() => {
      this.db.exec('DELETE FROM traffic_seen; DELETE FROM traffic_blocks');
      return this.db.prepare('DELETE FROM traffic').run().changes;
    })();
    this.blocks.forget();
    this.records = 0;
    return deleted;
  }

  /** Writes what is queued and stops the timer; the database stays open (the caller owns it). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private schedule(): NodeJS.Immediate | NodeJS.Timeout {
    const delay = this.options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS;
    const run = () => {
      this.timer = undefined;
      this.flush();
    };
    return delay > 0 ? setTimeout(run, delay) : setImmediate(run);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  /**
   * Over the low-water mark, deletes about what the overshoot holds, but at most twice what was just
   * written: the log drifts back under it over a few flushes instead of stalling the broker once.
   * Over the budget itself, deletes until it is under it.
   */
  private keepInBudget(justWritten: number): void {
    let used = this.usedBytes();
    if (used <= this.lowWater) return;
    const perRecord = used / Math.max(1, this.recordCount());
    let count = Math.ceil((used - this.lowWater) / perRecord);
    if (used <= this.budget) count = Math.min(count, Math.max(2 * justWritten, 100));
    while (count > 0) {
      const deleted = this.deleteOldest.run(count).changes;
      this.pruned += deleted;
      this.records = this.recordCount() - deleted;
      this.blocks.prune(blockOf(this.firstId.get() ?? this.nextId));
      used = this.usedBytes();
      if (deleted === 0 || used <= this.budget) return;
      // The oldest records were smaller than the average, so fewer pages came free: go on.
      count = Math.max(Math.ceil((used - this.lowWater) / perRecord), 100);
    }
  }

  private usedBytes(): number {
    return this.usedPages.get()! * this.pageSize;
  }

  /**
   * count(*) would read the whole table (it has no index to count instead), so: the per-block counts of
   * every whole block, plus the rows of the oldest block, which pruning may have cut into.
   */
  private recordCount(): number {
    if (this.records !== undefined) return this.records;
    const first = this.firstId.get() ?? null;
    if (first === null) return (this.records = 0);
    const block = blockOf(first);
    const end = (block + 1) * TRAFFIC_BLOCK_SIZE - 1;
    this.records = this.db
      .prepare<[number, number, number], number>(
        'SELECT (SELECT count(*) FROM traffic WHERE id BETWEEN ? AND ?) + ' +
          '(SELECT coalesce(sum(records), 0) FROM traffic_blocks WHERE block > ?)',
      )
      .pluck()
      .get(first, end, block)!;
    return this.records;
  }

  private report(error: unknown, consequence: string): void {
    const storeError = new StoreError(
      'write-failed',
      this.db.name,
      `could not write the traffic log to ${this.db.name} (${describeCause(error)}); ${consequence}. ` +
        'The log goes on with the next packets; free disk space or check the file',
      { cause: error },
    );
    if (this.options.onError) this.options.onError(storeError);
    else if (!this.failing) process.emitWarning(storeError.message, 'TrafficLogWarning');
    this.failing = true;
  }
}
