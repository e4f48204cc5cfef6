// One .mqttrec file: create it, open it again, read and change its one `recording` row.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { RecordingInfo } from '../../shared/contract/recordings.js';
import { type SqliteDatabase, openDatabase } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { APP_VERSION, RECORDING_FORMAT_VERSION, RECORDING_MIGRATIONS } from './format.js';

/** The `recording` row. */
export interface RecordingRow {
  id: string;
  name: string;
  notes: string;
  started_us: number;
  ended_us: number | null;
  source: string;
  client: string | null;
  filter: string | null;
  packets: number;
  format_version: number;
  app_version: string;
  /** Why it stopped by itself (the disk ran low); null when it was stopped, or still records. */
  stopped_because: string | null;
}

export type NewRecording = Pick<RecordingRow, 'id' | 'name' | 'notes' | 'started_us' | 'source' | 'client' | 'filter'>;

/** A WAL past this is truncated after a checkpoint, as for workbench.db. */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;
const BUSY_TIMEOUT_MS = 5_000;

/** Creates a recording file (it must not exist) and returns it open, WAL, ready for a TrafficLog. */
export function createRecordingFile(file: string, meta: NewRecording): SqliteDatabase {
  const db = openDatabase(file);
  try {
    migrate(db, RECORDING_MIGRATIONS);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    db.prepare(
      'INSERT INTO recording (one, id, name, notes, started_us, ended_us, source, client, filter, packets, format_version, app_version) ' +
        'VALUES (1, @id, @name, @notes, @started_us, NULL, @source, @client, @filter, 0, @format_version, @app_version)',
    ).run({ ...meta, format_version: RECORDING_FORMAT_VERSION, app_version: APP_VERSION });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Opens a recording this workbench already holds, without openDatabase()'s integrity check: that reads
 * the whole file, which for a million packets is a noticeable pause. Files are checked once, on import.
 */
export function openRecordingFile(file: string, readonly: boolean): SqliteDatabase {
  const db = new Database(file, { readonly, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  return db;
}

export function readRow(db: SqliteDatabase): RecordingRow {
  const row = db.prepare<[], RecordingRow>('SELECT * FROM recording WHERE one = 1').get();
  if (!row) throw new Error(`${db.name} has no recording row`);
  return row;
}

export function updateRow(db: SqliteDatabase, change: Partial<Omit<RecordingRow, 'format_version' | 'app_version'>>): void {
  const keys = Object.keys(change).filter((k) => (change as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 0) return;
  db.prepare(`UPDATE recording SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE one = 1`).run(change);
}

/** Packets in the file, from the block summaries (nothing is pruned in a recording, so they add up). */
export function countPackets(db: SqliteDatabase): number {
  return db.prepare<[], number>('SELECT coalesce(sum(records), 0) FROM traffic_blocks').pluck().get()!;
}

/** The last packet's time, or null for an empty recording. */
export function lastPacketUs(db: SqliteDatabase): number | null {
  return db.prepare<[], number | null>('SELECT max(max_time_us) FROM traffic_blocks').pluck().get() ?? null;
}

/**
 * Marks a recording that never stopped (the process died, or an export taken while it ran) as ended at
 * its last packet, with its count. Returns whether anything changed.
 */
export function closeUnfinished(db: SqliteDatabase): boolean {
  const row = readRow(db);
  if (row.ended_us !== null) return false;
  updateRow(db, { ended_us: lastPacketUs(db) ?? row.started_us, packets: countPackets(db) });
  return true;
}

/** Bytes the file and its WAL take on disk now. */
export function fileBytes(file: string): number {
  const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  return size(file) + size(`${file}-wal`);
}

export function toInfo(row: RecordingRow, live: { recording: boolean; packets: number; bytes: number }): RecordingInfo {
  return {
    id: row.id,
    name: row.name,
    notes: row.notes,
    startedUs: row.started_us,
    endedUs: row.ended_us,
    recording: live.recording,
    source: row.source,
    client: row.client,
    filter: row.filter,
    packets: live.packets,
    bytes: live.bytes,
    formatVersion: row.format_version,
    appVersion: row.app_version,
    stoppedBecause: row.stopped_because,
  };
}
