import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteBrokerPersistence } from '../../main/store/broker-persistence.js';
import { StoreError, openDatabase } from '../../main/store/db.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../main/store/migrate.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-migrate-'));
  file = join(dir, 'broker.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tables = (db: ReturnType<typeof openDatabase>) =>
  db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();

describe('migrate', () => {
  it('numbers migrations 1..n and records the last in user_version', () => {
    expect(MIGRATIONS.map((m) => m.version)).toStrictEqual(MIGRATIONS.map((_, i) => i + 1));
    const db = openDatabase(file);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(tables(db)).toStrictEqual(['deliveries', 'incoming_qos2', 'retained', 'sessions', 'subscriptions']);
    expect(migrate(db)).toBe(SCHEMA_VERSION); // a second run changes nothing
    db.close();
  });

  it('refuses a database from a newer release and leaves its version alone', () => {
    const db = openDatabase(file);
    db.pragma('user_version = 99');
    db.close();

    let error: unknown;
    try {
      SqliteBrokerPersistence.open(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('newer-version');
    expect((error as StoreError).message).toBe(
      `database ${file} has schema version 99, but this version of MQTT Workbench only knows versions up to ` +
        `${SCHEMA_VERSION} (the file was written by a newer release); it was left untouched — run the newer ` +
        'release, or point this one at another database file',
    );
    const after = openDatabase(file);
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    expect(tables(after)).toStrictEqual([]);
    after.close();
  });

  it('applies all pending steps in one transaction: a failing step leaves the old version', () => {
    const db = openDatabase(file);
    const steps = [
      { version: 1, description: 'one', sql: 'CREATE TABLE one (x INTEGER) STRICT;' },
      { version: 2, description: 'broken', sql: 'CREATE TABLE two (x INTEGER) STRICT; NOT SQL;' },
    ];
    expect(() => migrate(db, steps)).toThrow(/syntax error/);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(tables(db)).toStrictEqual([]);
    expect(migrate(db, steps.slice(0, 1))).toBe(1);
    expect(tables(db)).toStrictEqual(['one']);
    db.close();
  });

  it('rejects a migration list with gaps', () => {
    const db = openDatabase(':memory:');
    expect(() => migrate(db, [{ version: 2, description: 'gap', sql: '' }])).toThrow(/out of order/);
    db.close();
  });
});
