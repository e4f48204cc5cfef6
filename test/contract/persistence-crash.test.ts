import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteBrokerPersistence } from '../../main/store/broker-persistence.js';
import { BATCH, payloadOf } from './fixtures/crash-writer.mjs';

const fixture = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const compiled = fileURLToPath(new URL('../../out/main/store/broker-persistence.js', import.meta.url));

let dir: string | undefined;
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(compiled)) {
    throw new Error(`${compiled} is missing: the crash test runs the compiled store in a child process; run \`npm run build\` first (npm test does)`);
  }
});

/** Runs the writer until it has reported `commits` batches (plus a little), kills it with SIGKILL, and
 *  returns the highest seq it reported as committed. */
async function writeThenKill(file: string, commits: number, extraMs: number): Promise<number> {
  const writer = spawn(process.execPath, [fixture, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = writer;
  let stderr = '';
  writer.stderr!.on('data', (chunk) => (stderr += chunk));
  let lastCommitted = 0;
  let seen = 0;
  createInterface({ input: writer.stdout! }).on('line', (line) => {
    const match = /^committed (\d+)$/.exec(line);
    if (!match) return;
    lastCommitted = Math.max(lastCommitted, Number(match[1]));
    if (++seen === commits) setTimeout(() => writer.kill('SIGKILL'), extraMs);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
    writer.on('close', (exitCode, exitSignal) => done([exitCode, exitSignal])));
  expect({ code, signal, stderr }).toStrictEqual({ code: null, signal: 'SIGKILL', stderr: '' });
  return lastCommitted;
}

describe('SqliteBrokerPersistence after kill -9', () => {
  it.each([
    [1, 0],
    [4, 0],
    [6, 3],
    [10, 7],
  ])('keeps every delivery reported committed (killed after %i commits + %ims)', async (commits, extraMs) => {
    dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-crash-'));
    const file = join(dir, 'broker.db');
    const lastCommitted = await writeThenKill(file, commits, extraMs);
    expect(lastCommitted).toBeGreaterThanOrEqual(commits * BATCH);

    const store = SqliteBrokerPersistence.open(file); // quick_check runs here: the file is not corrupt
    const [session] = store.load().sessions;
    store.close();
    const seqs = session!.deliveries.map((d) => d.seq);
    // Whole transactions or nothing: the seqs are 1..n for a whole number of batches, n >= last reported.
    expect(seqs.length).toBeGreaterThanOrEqual(lastCommitted);
    expect(seqs.length % BATCH).toBe(0);
    expect(seqs.every((seq, i) => seq === i + 1)).toBe(true);
    for (const d of session!.deliveries) {
      expect(d.message.topic).toBe(`crash/${d.seq}`);
      expect(d.message.payload.equals(payloadOf(d.seq))).toBe(true);
    }
  });
});
