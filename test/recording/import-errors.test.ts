// Importing files that are not good recordings — cut off, random bytes, a workbench.db, a newer format,
// empty, missing, a folder — gives an error that names the file and what is wrong, and changes nothing:
// the list is the same and no file is left in the recordings folder.
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingInfo } from '../../shared/contract/recordings.js';
import { openWorkbenchDatabase } from '../../main/store/workbench-db.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';
import { recordingRecords, rejection } from './recordings-helpers.js';

let dir: string;
let t: TestWorkbench;
let good: string;
let original: RecordingInfo;

/** The folder's files, without the -wal/-shm an open reader keeps next to a recording. */
const folder = () => readdirSync(join(dir, 'data', 'recordings')).filter((f) => !/-(wal|shm)$/.test(f)).sort();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-import-'));
  t = await startWorkbench({ dataDir: join(dir, 'data') });
  // A real recording of a few hundred KiB (many pages), exported: the material for the bad copies.
  await t.api.call('clients.create', { name: 'myClient1' });
  await t.api.call('clients.connect', { name: 'myClient1' });
  await t.api.call('recording.start', { name: 'source' });
  for (let i = 0; i < 200; i++) {
    await t.api.call('clients.publish', { name: 'myClient1', topic: `site/line${i % 5}/t`, payload: { format: 'text', data: `${i}:${'x'.repeat(1000)}` }, qos: 1 });
  }
  original = await t.api.call('recording.stop', {});
  good = join(dir, 'good.mqttrec');
  await t.api.call('recording.export', { id: original.id, path: good });
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Imports `file`, expects `code` and a message naming the file, and checks that nothing changed. */
async function refused(file: string, code: string): Promise<string> {
  const listBefore = await t.api.call('recording.list', {});
  const filesBefore = folder();
  const message = await rejection(t.api.call('recording.import', { path: file }), code);
  if (process.env.SHOW_IMPORT_ERRORS) console.log(message);
  expect(message).toContain(file);
  expect(await t.api.call('recording.list', {})).toEqual(listBefore);
  expect(folder()).toEqual(filesBefore);
  return message;
}

describe('recording.import: bad files are refused and change nothing', () => {
  it('the good file imports (the control case), and is removed again', async () => {
    expect(statSync(good).size).toBeGreaterThan(200 * 1000);
    const imported = await t.api.call('recording.import', { path: good });
    expect(imported.packets).toBe(original.packets);
    expect((await recordingRecords(t.api, imported.id)).length).toBe(original.packets);
    await t.api.call('recording.delete', { id: imported.id });
  });

  it('a truncated copy (cut in half, as by an interrupted download)', async () => {
    const cut = join(dir, 'truncated.mqttrec');
    copyFileSync(good, cut);
    truncateSync(cut, Math.floor(statSync(good).size / 2));
    const message = await refused(cut, 'io-error');
    expect(message).toMatch(/damaged, perhaps cut off while copying/);
  });

  it('a file cut inside its header', async () => {
    const cut = join(dir, 'header-only.mqttrec');
    copyFileSync(good, cut);
    truncateSync(cut, 50);
    expect(await refused(cut, 'io-error')).toMatch(/not an SQLite file/);
  });

  it('random bytes', async () => {
    const noise = join(dir, 'noise.mqttrec');
    writeFileSync(noise, randomBytes(64 * 1024));
    expect(await refused(noise, 'io-error')).toMatch(/not a recording \(\.mqttrec\): not an SQLite file/);
  });

  it("the workbench's own workbench.db", async () => {
    const file = join(dir, 'other', 'workbench.db');
    mkdirSync(join(dir, 'other'));
    openWorkbenchDatabase(file).close();
    expect(await refused(file, 'io-error')).toMatch(/is a workbench database \(workbench\.db\), not a recording/);
  });

  it('some other SQLite file', async () => {
    const file = join(dir, 'plain.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(await refused(file, 'io-error')).toMatch(/an SQLite file but not a recording/);
  });

  it('a recording in a newer format (user_version 99)', async () => {
    const newer = join(dir, 'newer.mqttrec');
    copyFileSync(good, newer);
    const db = new Database(newer);
    db.pragma('user_version = 99');
    db.close();
    const message = await refused(newer, 'io-error');
    expect(message).toMatch(/recording format 99, written by a newer MQTT Workbench; this one reads format 2/);
  });

  it('a recording file without its tables', async () => {
    const hollow = join(dir, 'hollow.mqttrec');
    copyFileSync(good, hollow);
    const db = new Database(hollow);
    db.exec('DROP TABLE snapshot_sessions');
    db.close();
    expect(await refused(hollow, 'io-error')).toMatch(/not a complete recording \(table snapshot_sessions/);
  });

  it('an empty file, a folder, a missing file, a relative path', async () => {
    const empty = join(dir, 'empty.mqttrec');
    writeFileSync(empty, '');
    expect(await refused(empty, 'io-error')).toMatch(/the file is empty/);
    expect(await refused(join(dir, 'other'), 'io-error')).toMatch(/not a file/);
    expect(await refused(join(dir, 'missing.mqttrec'), 'not-found')).toMatch(/no such file/);
    await rejection(t.api.call('recording.import', { path: 'good.mqttrec' }), 'invalid-input');
  });

  it('a format 1 file (before the broker\'s changes were kept) is upgraded in place: its traffic reads, the state at a point is refused with a reason', async () => {
    const older = join(dir, 'format1.mqttrec');
    copyFileSync(good, older);
    const db = new Database(older);
    db.exec('DROP TABLE retained_changes; DROP TABLE session_changes; ALTER TABLE recording DROP COLUMN stopped_because; UPDATE recording SET format_version = 1');
    db.pragma('user_version = 1');
    db.close();
    const imported = await t.api.call('recording.import', { path: older });
    expect(imported).toMatchObject({ formatVersion: 1, packets: original.packets });
    expect((await recordingRecords(t.api, imported.id)).length).toBe(original.packets);
    const copy = new Database(join(dir, 'data', 'recordings', `${imported.id}.mqttrec`), { readonly: true });
    expect([copy.pragma('user_version', { simple: true }), copy.prepare('SELECT count(*) FROM session_changes').pluck().get()]).toEqual([2, 0]);
    copy.close();
    expect(await rejection(t.api.call('recording.sessionsAt', { id: imported.id, atPacket: 1 }), 'conflict')).toMatch(/recording format 1, which kept the broker's state at the start only/);
    await t.api.call('recording.delete', { id: imported.id });
  });

  it('after all that, the original is intact and the folder holds only it', async () => {
    await eventually(async () => (await t.api.call('recording.list', {})).length === 1, 'one recording');
    expect(folder()).toEqual([`${original.id}.mqttrec`]);
    expect((await recordingRecords(t.api, original.id)).length).toBe(original.packets);
  });
});
