// The recorder of the broker's changes on its own, against a real broker and a real recording file:
// what it writes, what it leaves out, and a disk that fills up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordingFile } from '../../main/recording/recording-file.js';
import { writeSnapshot } from '../../main/recording/snapshot.js';
import { BrokerStateRecorder } from '../../main/recording/state-recorder.js';
import type { SqliteDatabase } from '../../main/store/db.js';
import type { StoreError } from '../../main/store/errors.js';
import { connect, end, startBroker, until, withTimeout, type TestBroker } from '../helpers/broker.js';

let dir: string;
let b: TestBroker;
let db: SqliteDatabase;
let recorder: BrokerStateRecorder;
let packet = 0;
const errors: StoreError[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-state-'));
  b = await startBroker();
  db = createRecordingFile(join(dir, 'r.mqttrec'), { id: 'r', name: 'r', notes: '', started_us: 0, source: 'embedded broker', client: null, filter: null });
  writeSnapshot(db, b.broker);
  errors.length = 0;
  recorder = new BrokerStateRecorder(db, b.broker, { showsFrom: () => ++packet, payloadRecord: () => null }, (error) => errors.push(error));
});
afterEach(async () => {
  recorder.stop();
  db.close();
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

const sessionRows = () => db.prepare<[], { client_id: string; connected: number | null }>(
  "SELECT client_id, json_extract(session, '$.connected') AS connected FROM session_changes ORDER BY seq",
).all().map((r) => [r.client_id, r.connected]);
const retainedRows = () => db.prepare<[], { topic: string; payload: Buffer | null }>('SELECT topic, payload FROM retained_changes ORDER BY seq').all()
  .map((r) => [r.topic, r.payload?.toString() ?? null]);

describe('BrokerStateRecorder', () => {
  it('writes each real change of a session once, and its end', async () => {
    const client = await connect(b.url, { clientId: 'c1' });
    await withTimeout(client.subscribeAsync('a/#', { qos: 1 }), 5000, 'subscribe');
    await end(client);
    await until(() => b.broker.getSession('c1') === undefined, 'the session to end');
    recorder.flush();
    // created (not yet connected), connected, subscribed, gone; the disconnect event that changed
    // nothing by itself (the session still linked) is not written again.
    expect(sessionRows()).toEqual([['c1', 0], ['c1', 1], ['c1', 1], ['c1', null]]);
  });

  it('writes retained sets and clears, also those made without a packet; nothing after stop', async () => {
    const client = await connect(b.url, { clientId: 'c2' });
    await withTimeout(client.publishAsync('r/x', 'one', { qos: 1, retain: true }), 5000, 'publish');
    b.broker.clearRetained('r/x');
    recorder.stop();
    await withTimeout(client.publishAsync('r/y', 'late', { qos: 1, retain: true }), 5000, 'publish');
    await end(client);
    expect(retainedRows()).toEqual([['r/x', 'one'], ['r/x', null]]);
  });

  it('a write that fails (disk full) is reported once, naming the file; writing goes on once there is room', async () => {
    const client = await connect(b.url, { clientId: 'c3' });
    recorder.flush();
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    for (let i = 0; i < 3; i++) {
      await withTimeout(client.publishAsync(`big/${i}`, Buffer.alloc(50_000, i), { qos: 1, retain: true }), 5000, 'publish');
      recorder.flush();
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/could not write the broker's changes to the recording .*r\.mqttrec.*full/);
    db.pragma('max_page_count = 1000000');
    await withTimeout(client.publishAsync('small', 's', { qos: 1, retain: true }), 5000, 'publish');
    recorder.flush();
    expect(retainedRows()).toEqual([['small', 's']]);
    await end(client);
  });
});
