import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RESET_CORRUPT_DB_OPTION, StoreError, describeCause, sqliteCode } from './errors.js';

export { RESET_CORRUPT_DB_OPTION, StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /**
   * What to do with a corrupt file. 'fail' (the default) throws a StoreError and leaves the file where
   * it is; 'move-aside' renames it (with its -wal/-shm) to `<file>.corrupt-<timestamp>` and starts with
   * an empty database. The CLI maps RESET_CORRUPT_DB_OPTION to 'move-aside'.
   */
  onCorrupt?: 'fail' | 'move-aside';
  /** Told where a corrupt file was kept, so the caller can tell the user. */
  onMovedAside?: (keptAs: string, reason: StoreError) => void;
  /** How long to wait for another connection's write lock (ms). */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) a database for the store: WAL with synchronous=NORMAL, which keeps every
 * commit across a process crash (kill -9) though not necessarily across a power cut; foreign keys on.
 * A file that fails `PRAGMA quick_check` is reported, never deleted. Does not migrate: see migrate().
 */
export function openDatabase(file: string, options: OpenOptions = {}): SqliteDatabase {
  const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (file === ':memory:') return configure(new Database(':memory:', { timeout }), file);
  const path = resolve(file);
  try {
    return openChecked(path, timeout);
  } catch (error) {
    if (!(error instanceof StoreError) || error.code !== 'corrupt' || options.onCorrupt !== 'move-aside') throw error;
    let keptAs: string;
    try {
      keptAs = moveCorruptAside(path);
    } catch (moveError) {
      throw new StoreError(
        'corrupt',
        path,
        `database ${path} is corrupt and could not be set aside (${describeCause(moveError)}); ` +
          'move it (and any -wal/-shm next to it) away by hand, then start again',
        { cause: error },
      );
    }
    options.onMovedAside?.(keptAs, error);
    return openChecked(path, timeout);
  }
}

/**
 * Renames a database file and its companions to `<file>.corrupt-<timestamp>[-wal|-shm]` and returns the
 * new name of the database. Safe to call when some of the files do not exist.
 */
export function moveCorruptAside(file: string, now: Date = new Date()): string {
  const path = resolve(file);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 2; existsSync(target) || existsSync(`${target}-wal`); n++) target = `${path}.corrupt-${stamp}-${n}`;
  // The WAL goes first: a stale WAL left next to a fresh database would be replayed into it. The
  // companions keep their suffixes so SQLite pairs them again if someone opens the copy to recover data.
  for (const suffix of ['-wal', '-shm', '-journal', '']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

function openChecked(path: string, timeout: number): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat && !stat.isFile()) throw unreadable(path, stat.isDirectory() ? 'it is a directory' : 'it is not a regular file');
    if (stat) {
      // SQLite would quietly open a read-only file read-only and only fail at the first write.
      if (!canReadWrite(path)) throw unreadable(path, 'no permission to read and write it');
      checkIntegrity(path, timeout);
    }
    db = new Database(path, { timeout });
    return configure(db, path);
  } catch (error) {
    db?.close();
    throw toStoreError(error, path);
  }
}

function canReadWrite(path: string): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const COMPANIONS = ['-wal', '-shm'];

/**
 * Runs quick_check (every page's structure; it skips only the index-vs-table cross checks) on a
 * read-only connection: closing a read-write one would checkpoint or delete the WAL, destroying what
 * might still be recovered from a corrupt file. On failure, the empty -wal/-shm this connection
 * may have created are removed again, so a refused file is left as it was found.
 */
function checkIntegrity(path: string, timeout: number): void {
  const existed = new Set(COMPANIONS.filter((suffix) => existsSync(path + suffix)));
  const removeOurCompanions = () => {
    for (const suffix of COMPANIONS) if (!existed.has(suffix)) rmSync(path + suffix, { force: true });
  };
  let problems: string[];
  try {
    const check = new Database(path, { readonly: true, fileMustExist: true, timeout });
    try {
      problems = (check.pragma('quick_check') as Array<{ quick_check: string }>).map((row) => row.quick_check);
    } finally {
      check.close();
    }
  } catch (error) {
    removeOurCompanions();
    throw error;
  }
  if (problems.length === 1 && problems[0] === 'ok') return;
  removeOurCompanions();
  const detail = problems
    .join('; ')
    .replace(/\*\*\* in database \w+ \*\*\*\s*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  throw corrupt(path, detail.length > 160 ? `${detail.slice(0, 160)}…` : detail);
}

function configure(db: SqliteDatabase, path: string): SqliteDatabase {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && !db.memory) {
    throw new StoreError(
      'unreadable',
      path,
      `database ${path} cannot use write-ahead logging (journal mode stayed "${String(mode)}"); ` +
        'put it on a local, writable disk or point the broker at another file',
    );
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

function corrupt(path: string, detail: string, cause?: unknown): StoreError {
  return new StoreError(
    'corrupt',
    path,
    `database ${path} is corrupt (${detail}); it was left in place — move it away, or start with ` +
      `${RESET_CORRUPT_DB_OPTION} to keep it aside as ${path}.corrupt-<timestamp> and start with an empty ` +
      'database (its retained messages and persistent sessions are not carried over)',
    cause === undefined ? undefined : { cause },
  );
}

function toStoreError(error: unknown, path: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error);
  const cause = describeCause(error);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return corrupt(path, cause, error);
  return unreadable(path, cause, error);
}

function unreadable(path: string, cause: string, error?: unknown): StoreError {
  const hint = sqliteCode(error).startsWith('SQLITE_BUSY')
    ? 'another process is using it; stop that process (another broker?) or point this one at another file'
    : 'check that the path is a file (not a directory) you can read and write in a folder you can write, ' +
      'or point the broker at another file';
  return new StoreError(
    'unreadable',
    path,
    `database ${path} cannot be opened (${cause}); ${hint}`,
    error === undefined ? undefined : { cause: error },
  );
}
