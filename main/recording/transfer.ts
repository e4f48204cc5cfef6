// A recording as a file to share: export writes a consistent copy; import checks a copy of the file
// before it joins the recordings, so a refused file leaves nothing behind.
import { copyFile, rename, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { SqliteDatabase } from '../store/db.js';
import { describeCause } from '../store/errors.js';
import { migrate } from '../store/migrate.js';
import { RECORDING_MIGRATIONS } from './format.js';
import { openImportedCopy } from './import-check.js';
import { type RecordingRow, closeUnfinished, readRow, updateRow } from './recording-file.js';

/** Files in the recordings folder with this prefix are imports under way (removed at the next start). */
export const STAGING_PREFIX = '.import-';

/**
 * Copies `db` to `path` with SQLite's backup API: page by page between event-loop turns, consistent even
 * while the recording is being written (a plain file copy would catch a checkpoint half done). Written
 * next to the target first and renamed over it, so `path` is never a half-written file.
 */
export async function exportCopy(db: SqliteDatabase, path: string): Promise<{ path: string; bytes: number }> {
  const partial = `${path}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await db.backup(partial);
    await rename(partial, path);
    return { path, bytes: (await stat(path)).size };
  } catch (error) {
    removeWithCompanions(partial);
    throw new WorkbenchError('io-error', `cannot export to ${path}: ${describeCause(error)}`);
  }
}

/**
 * Copies `source` into `dir` under a staging name, checks it (import-check.ts), gives it `id`, and only
 * then renames it to `target`. Returns its row.
 */
export async function importCopy(source: string, dir: string, id: string, target: string): Promise<RecordingRow> {
  const found = await stat(source).catch(() => null);
  if (!found) throw new WorkbenchError('not-found', `cannot import ${source}: there is no such file`);
  if (!found.isFile()) throw new WorkbenchError('io-error', `cannot import ${source}: it is not a file`);
  const staging = join(dir, `${STAGING_PREFIX}${id}`);
  let db: SqliteDatabase | undefined;
  try {
    await copyFile(source, staging).catch((error: unknown) => {
      throw new WorkbenchError('io-error', `cannot import ${source}: it cannot be read (${describeCause(error)})`);
    });
    db = openImportedCopy(staging, source);
    migrate(db, RECORDING_MIGRATIONS); // a file in an older format gains the newer tables
    closeUnfinished(db);
    updateRow(db, { id });
    const row = readRow(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    db = undefined;
    await rename(staging, target);
    return row;
  } catch (error) {
    db?.close();
    removeWithCompanions(staging);
    if (error instanceof WorkbenchError) throw error;
    throw new WorkbenchError('io-error', `cannot import ${source} into ${dirname(target)}: ${describeCause(error)}`);
  }
}

/** Removes a database file and the -wal/-shm SQLite may have left next to it. */
export function removeWithCompanions(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
}
