// The recording that is on: its file, its own TrafficLog (the same batching as the live log: one
// transaction per flush, never a write on the broker's turn beyond queueing), and the sink the tap feeds.
import type { RecordingInfo } from '../../shared/contract/recordings.js';
import type { SqliteDatabase } from '../store/db.js';
import type { StoreError } from '../store/errors.js';
import { TrafficLog } from '../store/traffic-log.js';
import type { TrafficEntry } from '../store/traffic-rows.js';
import type { TrafficSink } from '../tap/traffic-tap.js';
import { nowUs } from '../tap/packet-entry.js';
import { type RecordingRow, countPackets, readRow, toInfo, updateRow } from './recording-file.js';

/** Whole payloads and no pruning: a recording loses nothing (the live log keeps 256 KiB and a budget). */
const KEEP_EVERYTHING = { payloadCapBytes: Number.POSITIVE_INFINITY, budgetBytes: Number.POSITIVE_INFINITY };

export class Recorder {
  readonly log: TrafficLog;
  readonly sink: TrafficSink;
  private current: RecordingRow;

  /** `db` is a freshly created recording file (snapshot written); the recorder owns it from now on. */
  constructor(readonly db: SqliteDatabase, onError: (error: StoreError) => void) {
    this.log = new TrafficLog(db, { ...KEEP_EVERYTHING, onError });
    this.current = readRow(db);
    const log = this.log;
    const only = this.current.client;
    this.sink = only === null
      ? (entry: TrafficEntry) => void log.append(entry)
      : (entry: TrafficEntry) => {
          if (entry.side === 'client' && entry.connection === only) log.append(entry);
        };
  }

  get id(): string {
    return this.current.id;
  }

  get row(): RecordingRow {
    return this.current;
  }

  info(): RecordingInfo {
    const stats = this.log.stats(); // flushes first, so the counts are the file's
    return toInfo(this.current, { recording: true, packets: stats.records, bytes: stats.bytes });
  }

  rename(name: string, notes: string | undefined): void {
    updateRow(this.db, { name, notes });
    this.current = readRow(this.db);
  }

  /**
   * Writes what is queued, the end time and count, checkpoints the WAL into the file and closes it:
   * the file is then complete on its own. The caller has removed the sink already.
   */
  stop(): RecordingRow {
    this.log.close();
    updateRow(this.db, { ended_us: nowUs(), packets: countPackets(this.db) });
    const row = readRow(this.db);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    return row;
  }
}
