// Is this file a recording we can read? Every answer names the file and what is wrong with it, so a
// user who picked the wrong file, a cut-off download or a file from a newer release knows which.
import { openSync, readSync, closeSync } from 'node:fs';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { SqliteDatabase } from '../store/db.js';
import { describeCause } from '../store/errors.js';
import { WORKBENCH_APPLICATION_ID } from '../store/migrations/workbench-001-traffic-profiles.js';
import { RECORDING_APPLICATION_ID, RECORDING_FORMAT_VERSION } from './format.js';
import { openRecordingFile } from './recording-file.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

const refuse = (shownAs: string, what: string) =>
  new WorkbenchError('io-error', `cannot import ${shownAs}: ${what}; nothing was imported`);

/**
 * Checks the header (SQLite, application id, format version) without opening the file as a database,
 * then opens `file` (a private copy: opening may write to it) and checks every page and the tables.
 * Returns the open copy; throws a WorkbenchError naming `shownAs` otherwise.
 */
export function openImportedCopy(file: string, shownAs: string): SqliteDatabase {
  checkHeader(file, shownAs);
  let db: SqliteDatabase | undefined;
  try {
    db = openRecordingFile(file, false);
    const problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check);
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw refuse(shownAs, `the file is damaged, perhaps cut off while copying (${shorten(problems.join('; '))})`);
    }
    checkTables(db, shownAs);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof WorkbenchError) throw error;
    throw refuse(shownAs, `the file is damaged, perhaps cut off while copying (${describeCause(error)})`);
  }
}

function checkHeader(file: string, shownAs: string): void {
  const header = Buffer.alloc(HEADER_BYTES);
  let read: number;
  const fd = openSync(file, 'r');
  try {
    read = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (read < HEADER_BYTES || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw refuse(shownAs, read === 0 ? 'the file is empty' : 'it is not a recording (.mqttrec): not an SQLite file at all');
  }
  const applicationId = header.readUInt32BE(68);
  const version = header.readUInt32BE(60);
  if (applicationId === WORKBENCH_APPLICATION_ID) throw refuse(shownAs, "it is a workbench database (workbench.db), not a recording");
  if (applicationId !== RECORDING_APPLICATION_ID) throw refuse(shownAs, 'it is an SQLite file but not a recording (.mqttrec)');
  if (version > RECORDING_FORMAT_VERSION) {
    throw refuse(shownAs, `it is in recording format ${version}, written by a newer MQTT Workbench; this one reads ` +
      `format ${RECORDING_FORMAT_VERSION} and older — update MQTT Workbench to open it`);
  }
  if (version === 0) throw refuse(shownAs, 'it is marked as a recording but has no format version (an unfinished file?)');
}

/** The tables and columns this code reads must be there (a file cut off at page boundaries can pass quick_check). */
function checkTables(db: SqliteDatabase, shownAs: string): void {
  const probes: Array<[string, string]> = [
    ['recording', 'SELECT count(*) FROM recording'],
    ['traffic', 'SELECT id, time_us, side, direction, connection, type, topic, qos, retain, dup, packet_id, reason_code, fields, payload, payload_size, head, will_of FROM traffic LIMIT 1'],
    ['traffic_blocks', 'SELECT block, records, min_time_us, max_time_us FROM traffic_blocks LIMIT 1'],
    ['traffic_seen', 'SELECT block, kind, value FROM traffic_seen LIMIT 1'],
    ['snapshot_retained', 'SELECT topic, payload, qos, properties, publisher, received_at FROM snapshot_retained LIMIT 1'],
    ['snapshot_sessions', 'SELECT client_id, session, subscriptions FROM snapshot_sessions LIMIT 1'],
  ];
  for (const [table, sql] of probes) {
    try {
      const value = db.prepare(sql).pluck().get();
      if (table === 'recording' && value !== 1) throw new Error(`it has ${String(value)} recording rows instead of 1`);
    } catch (error) {
      throw refuse(shownAs, `it is not a complete recording (table ${table}: ${describeCause(error)})`);
    }
  }
}

function shorten(text: string): string {
  const flat = text.replace(/\*\*\* in database \w+ \*\*\*\s*/g, '').replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
}
