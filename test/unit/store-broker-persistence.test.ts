import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredDelivery } from '../../main/broker/persistence.js';
import { SqliteBrokerPersistence } from '../../main/store/broker-persistence.js';
import { StoreError } from '../../main/store/db.js';
import { delivery } from '../contract/persistence.suite.js';

let dir: string;
let file: string;
const open: SqliteBrokerPersistence[] = [];
function openStore(options?: Parameters<typeof SqliteBrokerPersistence.open>[1]): SqliteBrokerPersistence {
  const store = SqliteBrokerPersistence.open(file, options);
  open.push(store);
  return store;
}
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-persistence-'));
  file = join(dir, 'broker.db');
});
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

const turn = () => new Promise<void>((done) => setImmediate(done));
const big = (seq: number): StoredDelivery => {
  const base = delivery(seq);
  return { ...base, message: { ...base.message, payload: Buffer.alloc(1 << 20, 7) } };
};
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('SqliteBrokerPersistence batching', () => {
  it('commits all writes of one event-loop turn at once', async () => {
    const store = openStore();
    store.saveSession('c1', 60, null);
    for (let seq = 1; seq <= 10_000; seq++) store.saveDelivery('c1', delivery(seq));
    await new Promise<void>((done) => store.afterCommit(done));
    expect(store.commits).toBe(1);

    store.deleteDelivery('c1', 1);
    store.deleteDelivery('c1', 2);
    await turn();
    expect(store.commits).toBe(2);
  });

  it('an explicit flush takes over the scheduled commit', async () => {
    const store = openStore();
    store.saveSession('c1', 60, null);
    store.flush();
    store.flush();
    await turn();
    expect(store.commits).toBe(1);
  });

  it('runs every afterCommit callback even when one throws, then rethrows', () => {
    const store = openStore();
    const order: number[] = [];
    store.saveSession('c1', 60, null);
    store.afterCommit(() => {
      order.push(1);
      throw new Error('boom');
    });
    store.afterCommit(() => order.push(2));
    expect(() => store.flush()).toThrow('boom');
    expect(order).toStrictEqual([1, 2]);
    store.saveSession('c2', 60, null); // still usable
    store.flush();
    expect(store.load().sessions).toHaveLength(2);
  });
});

describe('SqliteBrokerPersistence misuse', () => {
  it('says so when a session child is written before its session, and keeps the batch', () => {
    const store = openStore();
    store.saveSession('c1', 60, null);
    expect(() => store.saveDelivery('ghost', delivery(1))).toThrow(
      'no session "ghost" in the store: saveSession() must come before its subscriptions, deliveries and incoming QoS 2 ids',
    );
    expect(() => store.addIncomingQos2('ghost', 1)).toThrow(/no session "ghost"/);
    expect(() => store.saveDelivery('c1', { ...delivery(1), qos: 3 as 1 })).toThrow(/CHECK constraint failed/);
    const noPayload = { ...delivery(1).message, payload: undefined as unknown as Buffer };
    expect(() => store.saveDelivery('c1', { ...delivery(1), message: noPayload })).toThrow(/payload/);
    store.close();
    expect(openStore().load().sessions.map((s) => s.clientId)).toStrictEqual(['c1']);
  });

  it('refuses writes after close; close twice is harmless', () => {
    const store = openStore();
    store.close();
    store.close();
    expect(() => store.saveSession('c1', 60, null)).toThrow(`the broker store ${file} is closed`);
    expect(() => store.load()).toThrow(/is closed/);
  });
});

describe('SqliteBrokerPersistence.open', () => {
  it('refuses a corrupt file, or with onCorrupt: move-aside keeps it aside and starts empty', () => {
    writeFileSync(file, randomBytes(4096));
    expect(() => openStore()).toThrow(StoreError);
    const kept: string[] = [];
    const store = openStore({ onCorrupt: 'move-aside', onMovedAside: (keptAs) => kept.push(keptAs) });
    expect(store.load()).toStrictEqual({ retained: [], sessions: [] });
    expect(kept).toHaveLength(1);
    expect(readdirSync(dir)).toContain(basename(kept[0]!));
  });
});

describe('SqliteBrokerPersistence when the disk fails', () => {
  it('stops on a failed write: rolls back the batch, drops its callbacks, and keeps what was committed', () => {
    const store = openStore();
    store.saveSession('c1', 60, null);
    store.saveDelivery('c1', delivery(1));
    store.flush();
    store.db.pragma(`max_page_count = ${(store.db.pragma('page_count', { simple: true }) as number) + 2}`);

    let called = false;
    store.saveDelivery('c1', delivery(2));
    store.afterCommit(() => (called = true));
    const error = thrown(() => store.saveDelivery('c1', big(3))) as StoreError;
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('write-failed');
    expect(error.message).toBe(
      `could not write to database ${file} (database or disk is full); the last 2 change(s) were not saved, so ` +
        'the broker must stop rather than go on with state it cannot keep. Everything committed before is ' +
        'intact: free disk space or fix the file and restart',
    );
    for (const call of [() => store.flush(), () => store.saveSession('c2', 1, null), () => store.afterCommit(() => {})]) {
      expect(thrown(call)).toBe(error);
    }
    expect(called).toBe(false);
    store.close();

    const { sessions } = openStore().load();
    expect(sessions.map((s) => s.deliveries.map((d) => d.seq))).toStrictEqual([[1]]);
  });

  it('reports a failed background commit to onError and stops', async () => {
    const errors: StoreError[] = [];
    const store = openStore({ onError: (error) => errors.push(error) });
    store.saveSession('c1', 60, null);
    store.db.pragma('defer_foreign_keys = ON'); // makes the orphan below fail at COMMIT instead
    store.saveDelivery('ghost', delivery(1));
    let called = false;
    store.afterCommit(() => (called = true));
    await turn();

    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('write-failed');
    expect(errors[0]!.message).toMatch(/\(FOREIGN KEY constraint failed\); the last 2 change\(s\) were not saved/);
    expect(called).toBe(false);
    expect(thrown(() => store.saveSession('c1', 60, null))).toBe(errors[0]);
    store.close();
    expect(openStore().load().sessions).toStrictEqual([]);
  });
});
