import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBrokerPersistence } from '../../main/store/broker-persistence.js';
import { loadState } from '../../main/store/broker-rows.js';
import { runPersistenceSuite } from './persistence.suite.js';

runPersistenceSuite('SQLite file (reopened between steps)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-store-'));
  const file = join(dir, 'broker.db');
  let current = SqliteBrokerPersistence.open(file);
  return {
    persistence: current,
    reopen: () => {
      current.close();
      current = SqliteBrokerPersistence.open(file);
      return current;
    },
    readCommitted: () => {
      const reader = new Database(file, { readonly: true });
      try {
        return loadState(reader);
      } finally {
        reader.close();
      }
    },
    cleanup: () => {
      current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

runPersistenceSuite('SQLite :memory:', () => {
  const persistence = SqliteBrokerPersistence.open(':memory:');
  return { persistence, cleanup: () => persistence.close() };
});
