import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync,
  rmSync, statSync, truncateSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteBrokerPersistence } from '../../main/store/broker-persistence.js';
import { StoreError, moveCorruptAside, openDatabase } from '../../main/store/db.js';

let dir: string;
let healthy: string; // a checkpointed, cleanly closed broker database of a few hundred pages
const PAGE = 4096;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-db-'));
  healthy = join(dir, 'healthy.db');
  const store = SqliteBrokerPersistence.open(healthy);
  store.saveSession('c1', 60, null);
  for (let seq = 1; seq <= 2_000; seq++) {
    store.saveDelivery('c1', { seq, state: 'queued', qos: 1, retain: false,
      message: { topic: `t/${seq}`, payload: Buffer.alloc(300, seq % 251), qos: 1, retain: false, publisher: 'p', receivedAt: seq } });
  }
  store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function copyOfHealthy(): string {
  const file = join(dir, `case-${++counter}`, 'broker.db');
  mkdirSync(join(file, '..'));
  copyFileSync(healthy, file);
  return file;
}
const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function openError(file: string, options?: Parameters<typeof openDatabase>[1]): StoreError {
  try {
    openDatabase(file, options).close();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error(`expected ${file} to fail to open`);
}

describe('openDatabase', () => {
  it('opens a file in WAL mode with synchronous=NORMAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(join(dir, 'new', 'nested', 'fresh.db')); // creates missing folders
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5_000);
    db.close();
  });

  it('opens :memory:', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  const corruptions: Array<[string, (file: string) => void]> = [
    ['random bytes', (file) => writeFileSync(file, randomBytes(8 * PAGE))],
    ['a valid database truncated to half', (file) => truncateSync(file, Math.floor(statSync(file).size / 2 / PAGE) * PAGE)],
    ['a valid database truncated inside its first page', (file) => truncateSync(file, 1_000)],
    ['garbage over page 2', (file) => overwritePages(file, 1, 1)],
    ['garbage over pages in the middle', (file) => overwritePages(file, Math.floor(pageCount(file) / 2), 4)],
    ['garbage over the last pages', (file) => overwritePages(file, pageCount(file) - 3, 3)],
  ];

  it.each(corruptions)('refuses a corrupt file (%s), says how to go on, and leaves it untouched', (_, corrupt) => {
    const file = copyOfHealthy();
    corrupt(file);
    const before = hash(file);
    const error = openError(file);
    expect(error.code).toBe('corrupt');
    expect(error.file).toBe(file);
    expect(error.message).toMatch(new RegExp(`^database ${escape(file)} is corrupt \\(.+\\); it was left in place`));
    expect(error.message).toContain(`--reset-corrupt-db to keep it aside as ${file}.corrupt-<timestamp>`);
    expect(hash(file)).toBe(before);
    expect(readdirSync(join(file, '..'))).toStrictEqual(['broker.db']);
  });

  it('leaves the WAL of a refused file as it was and adds no files of its own', () => {
    const file = copyOfHealthy();
    overwritePages(file, 1, 1);
    writeFileSync(`${file}-wal`, 'stale wal');
    expect(openError(file).code).toBe('corrupt');
    expect(readFileSync(`${file}-wal`, 'utf8')).toBe('stale wal');
    expect(readdirSync(join(file, '..')).sort()).toStrictEqual(['broker.db', 'broker.db-wal']);
  });

  it("with onCorrupt: 'move-aside', keeps the corrupt file and its WAL aside and starts empty", () => {
    const file = copyOfHealthy();
    overwritePages(file, 1, 1);
    writeFileSync(`${file}-wal`, 'stale wal');
    const before = hash(file);
    const moved: Array<[string, StoreError]> = [];
    const db = openDatabase(file, { onCorrupt: 'move-aside', onMovedAside: (keptAs, reason) => moved.push([keptAs, reason]) });
    expect(db.prepare('SELECT count(*) AS n FROM sqlite_schema').get()).toStrictEqual({ n: 0 });
    db.close();

    expect(moved).toHaveLength(1);
    const [keptAs, reason] = moved[0]!;
    expect(keptAs).toMatch(new RegExp(`^${escape(file)}\\.corrupt-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z$`));
    expect(reason.code).toBe('corrupt');
    expect(hash(keptAs)).toBe(before);
    expect(readFileSync(`${keptAs}-wal`, 'utf8')).toBe('stale wal');
  });

  it('moveCorruptAside never overwrites an earlier copy', () => {
    const file = join(dir, 'aside', 'broker.db');
    mkdirSync(join(file, '..'));
    const when = new Date('2025-01-02T03:04:05.678Z');
    writeFileSync(file, 'first');
    expect(moveCorruptAside(file, when)).toBe(`${file}.corrupt-2025-01-02T03-04-05-678Z`);
    writeFileSync(file, 'second');
    expect(moveCorruptAside(file, when)).toBe(`${file}.corrupt-2025-01-02T03-04-05-678Z-2`);
    expect(readFileSync(`${file}.corrupt-2025-01-02T03-04-05-678Z`, 'utf8')).toBe('first');
    expect(existsSync(file)).toBe(false);
  });

  it('reports a directory at the path as unreadable and never moves it, even with move-aside', () => {
    const path = join(dir, 'a-directory.db');
    mkdirSync(path);
    const error = openError(path, { onCorrupt: 'move-aside' });
    expect(error.code).toBe('unreadable');
    expect(error.message).toBe(
      `database ${path} cannot be opened (it is a directory); check that the path is a file ` +
        '(not a directory) you can read and write in a folder you can write, or point the broker at another file',
    );
    expect(statSync(path).isDirectory()).toBe(true);
  });

  it('reports a path under a regular file as unreadable', () => {
    const parent = join(dir, 'plain-file');
    writeFileSync(parent, '');
    const error = openError(join(parent, 'broker.db'));
    expect(error.code).toBe('unreadable');
    expect(error.message).toContain(`database ${join(parent, 'broker.db')} cannot be opened (`);
  });

  it.skipIf(process.getuid?.() === 0).each([0o000, 0o444])('reports a file with mode %o as unreadable', (mode) => {
    const file = copyOfHealthy();
    chmodSync(file, mode);
    try {
      const error = openError(file);
      expect(error.code).toBe('unreadable');
      expect(error.message).toContain(`database ${file} cannot be opened (no permission to read and write it); `);
    } finally {
      chmodSync(file, 0o600);
    }
  });

  it('opens the healthy database again afterwards (the checks do not damage it)', () => {
    const db = openDatabase(healthy);
    expect(db.prepare('SELECT count(*) AS n FROM deliveries').get()).toStrictEqual({ n: 2_000 });
    db.close();
    expect(new Database(healthy).pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

function pageCount(file: string): number {
  return statSync(file).size / PAGE;
}

/** Writes a fixed junk pattern over whole pages, `from` counted from 0. */
function overwritePages(file: string, from: number, count: number): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(count * PAGE, 0xa5), 0, count * PAGE, from * PAGE);
  closeSync(fd);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
