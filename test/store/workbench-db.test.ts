// Opening the workbench database: its own migrations, and refusing files that are not one.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteBrokerPersistence } from '../../main/store/broker-persistence.js';
import { openDatabase } from '../../main/store/db.js';
import { StoreError } from '../../main/store/errors.js';
import { MIGRATIONS, migrate } from '../../main/store/migrate.js';
import { WORKBENCH_APPLICATION_ID } from '../../main/store/migrations/workbench-001-traffic-profiles.js';
import { WORKBENCH_MIGRATIONS, openWorkbenchDatabase } from '../../main/store/workbench-db.js';
import { TrafficLog } from '../../main/store/traffic-log.js';
import { TrafficQuery } from '../../shared/contract/traffic.js';
import { entry, tempWorkbench } from './traffic-fixtures.js';

let temp: ReturnType<typeof tempWorkbench>;
beforeEach(() => {
  temp = tempWorkbench('workbench-db');
});
afterEach(() => temp.cleanup());

function refusal(file: string): StoreError {
  try {
    openWorkbenchDatabase(file).close();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    // refused and closed again: the last connection's close removes the WAL it created
    expect(existsSync(`${file}-wal`)).toBe(false);
    return error as StoreError;
  }
  throw new Error(`expected ${file} to be refused`);
}

describe('openWorkbenchDatabase', () => {
  it('creates the traffic and profile tables (STRICT) in WAL mode, marked as a workbench database', () => {
    expect(WORKBENCH_MIGRATIONS.map((m) => m.version)).toStrictEqual([1, 2]);
    expect(WORKBENCH_MIGRATIONS).not.toBe(MIGRATIONS);
    temp.open().close();
    const db = openDatabase(temp.file); // the plain opener: see what is really in the file
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.pragma('application_id', { simple: true })).toBe(WORKBENCH_APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare<[], { name: string; strict: number }>(
      "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    expect(tables).toStrictEqual([
      { name: 'client_profiles', strict: 1 }, { name: 'traffic', strict: 1 },
      { name: 'traffic_blocks', strict: 1 }, { name: 'traffic_seen', strict: 1 },
    ]);
    db.close();
    temp.open(temp.file).close(); // opening again migrates nothing and succeeds
  });

  it('a version 1 file gets the head column; its rows stay, without bytes', () => {
    const v1 = openDatabase(temp.file);
    migrate(v1, WORKBENCH_MIGRATIONS.slice(0, 1));
    v1.prepare(`INSERT INTO traffic VALUES (1, 5, 0, 0, 'c1', 3, 'a/b', 0, 0, 0, NULL, NULL, NULL, x'68', 1)`).run();
    v1.close();
    const log = new TrafficLog(temp.open());
    log.append(entry({ head: Buffer.from([0x30, 8]) }));
    log.flush();
    const page = log.query(TrafficQuery.parse({ order: 'asc' }));
    expect(page.records.map((r) => [r.id, r.topic, r.payload, r.head])).toStrictEqual([
      [1, 'a/b', Buffer.from('h').toString('base64'), null],
      [2, 'a/b', Buffer.from('hello').toString('base64'), Buffer.from([0x30, 8]).toString('base64')],
    ]);
    log.close();
  });

  it('opens :memory:', () => {
    const db = openWorkbenchDatabase(':memory:');
    expect(db.prepare('SELECT count(*) FROM traffic').pluck().get()).toBe(0);
    db.close();
  });

  it("refuses the broker's database, says so, and leaves it untouched", () => {
    const brokerFile = join(temp.dir, 'broker.db');
    SqliteBrokerPersistence.open(brokerFile).close();
    const error = refusal(brokerFile);
    expect(error.code).toBe('unreadable');
    expect(error.file).toBe(brokerFile);
    expect(error.message).toContain(`database ${brokerFile} is not a workbench database`);
    const db = openDatabase(brokerFile);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'traffic'").pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a workbench database from a newer release', () => {
    temp.open().close();
    const db = openDatabase(temp.file);
    db.pragma('user_version = 7');
    db.close();
    expect(refusal(temp.file).code).toBe('newer-version');
  });

  it('reports a file that is not a database as corrupt, through openDatabase', () => {
    writeFileSync(temp.file, Buffer.alloc(8192, 0x5a));
    expect(refusal(temp.file).code).toBe('corrupt');
  });
});
