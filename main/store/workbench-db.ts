import { type OpenOptions, type SqliteDatabase, openDatabase } from './db.js';
import { StoreError } from './errors.js';
import { type Migration, migrate } from './migrate.js';
import { WORKBENCH_APPLICATION_ID, trafficAndProfiles } from './migrations/workbench-001-traffic-profiles.js';
import { packetHeadsAndWills } from './migrations/workbench-002-heads-wills.js';

/** The workbench database's schema steps, oldest first (a list of its own: broker.db has MIGRATIONS). */
export const WORKBENCH_MIGRATIONS: readonly Migration[] = [trafficAndProfiles, packetHeadsAndWills];

/** A WAL past this is truncated after a checkpoint, so a burst of large payloads does not leave a huge -wal behind. */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * Opens (creating if needed) and migrates the workbench database: traffic log and client profiles.
 * A file that already has a schema but is not a workbench database (broker.db given by mistake) is
 * refused with StoreError 'unreadable' and left as it is.
 */
export function openWorkbenchDatabase(file: string, options: OpenOptions = {}): SqliteDatabase {
  const db = openDatabase(file, options);
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    const id = db.pragma('application_id', { simple: true }) as number;
    if (version > 0 && id !== WORKBENCH_APPLICATION_ID) {
      throw new StoreError(
        'unreadable',
        db.name,
        `database ${db.name} is not a workbench database (it has another schema, perhaps it is the broker's ` +
          'broker.db); it was left untouched — point the workbench at another file',
      );
    }
    migrate(db, WORKBENCH_MIGRATIONS);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
