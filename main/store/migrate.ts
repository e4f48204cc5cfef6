import type { SqliteDatabase } from './db.js';
import { StoreError } from './errors.js';
import { brokerState } from './migrations/001-broker-state.js';

/** One forward-only schema step. SQL lives in TS so it compiles into out/ with the code. */
export interface Migration {
  /** The `PRAGMA user_version` the database has once this step ran: 1, 2, 3, ... without gaps. */
  version: number;
  description: string;
  sql: string;
}

/** Every schema step, oldest first. Never edit a released one: add the next. */
export const MIGRATIONS: readonly Migration[] = [brokerState];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to the latest version and returns it. All steps run in one IMMEDIATE
 * transaction, so a crash mid-way leaves the old version and two processes cannot both migrate.
 * A database from a newer release is refused (StoreError 'newer-version') and left as it is.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${migration.version} is out of order`);
  });
  const latest = migrations.length;
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new StoreError(
        'newer-version',
        db.name,
        `database ${db.name} has schema version ${current}, but this version of MQTT Workbench only ` +
          `knows versions up to ${latest} (the file was written by a newer release); it was left untouched — ` +
          'run the newer release, or point this one at another database file',
      );
    }
    for (const migration of migrations.slice(current)) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
  return latest;
}
