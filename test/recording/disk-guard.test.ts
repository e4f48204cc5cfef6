// A recording never fills its disk: below a floor of free space it is refused, and one that is on stops
// by itself, complete, saying why (also after a restart); the same through `record --min-free`. The floor
// is set below the real free space of the test's disk by a margin (other tests write meanwhile), and a
// file twice the margin then pushes the disk under it. One file, so these fillers never overlap.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeBytes } from '../../main/recording/disk-guard.js';
import { assertCliBuilt, CLI, nonEmptyLines, runCli, startCliBroker, type CliBroker } from '../helpers/cli.js';
import { killChildren, start } from '../helpers/process.js';
import { eventually, startWorkbench } from '../helpers/workbench.js';
import { rejection } from './recordings-helpers.js';

const READY = /^recording {2}"until full" from /;
const MiB = 1024 * 1024;
const MARGIN = 192 * MiB;
let dir: string;
let broker: CliBroker;
beforeAll(async () => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-disk-'));
  broker = await startCliBroker(['--no-ws']);
});
afterAll(async () => {
  await broker?.stop();
  await killChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes twice the margin into `dir`/filler, 64 MiB at a time; returns the file to remove. */
function fillDisk(): string {
  const file = join(dir, 'filler');
  const chunk = randomBytes(64 * MiB);
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < 2 * MARGIN; written += chunk.length) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return file;
}

// Room for the filler and more: on a nearly full disk the test cannot say anything.
const roomy = freeBytes(tmpdir()) > 2048 * MiB;

describe.skipIf(!roomy)('recordings and free disk space', () => {
  it('refuses to start below the floor, naming the disk and the sizes; nothing is left behind', async () => {
    const data = join(dir, 'refused');
    const t = await startWorkbench({ dataDir: data, recordingMinFreeBytes: freeBytes(dir) + 1024 * 1024 * MiB });
    try {
      const message = await rejection(t.api.call('recording.start', { name: 'too big' }), 'io-error');
      expect(message).toMatch(new RegExp(`^cannot start a recording: only \\d+ MiB free on the disk of ${join(data, 'recordings')}; a recording stops when less than \\d+ MiB is left$`));
      expect(await t.api.call('recording.list', {})).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('stops a recording by itself when the disk reaches the floor; the file is complete and says why, also after a restart', async () => {
    const data = join(dir, 'stopped');
    const errors: string[] = [];
    const options = { dataDir: data, recordingMinFreeBytes: freeBytes(dir) - MARGIN, onStoreError: (e: Error) => errors.push(e.message) };
    let t = await startWorkbench(options);
    let id: string;
    try {
      await t.api.call('clients.create', { name: 'myClient1' });
      await t.api.call('clients.connect', { name: 'myClient1' });
      ({ id } = await t.api.call('recording.start', { name: 'until the disk is low' }));
      await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/a', payload: { data: 'before' }, qos: 1 });
      fillDisk(); // the disk drops under the floor
      const stopped = await eventually(async () => (await t.api.call('recording.list', {})).find((r) => r.id === id && !r.recording), 'the recording to stop', 10_000);
      expect(stopped.stoppedBecause).toMatch(/^the disk ran low: only \d+ MiB free on the disk of /);
      expect(stopped.endedUs).not.toBeNull();
      expect(stopped.packets).toBeGreaterThanOrEqual(4);
      expect(errors.some((e) => e.startsWith('recording "until the disk is low" stopped: only'))).toBe(true);
    } finally {
      await t.close();
    }
    t = await startWorkbench({ dataDir: data });
    try {
      const [again] = await t.api.call('recording.list', {});
      expect(again).toMatchObject({ id, recording: false, stoppedBecause: expect.stringMatching(/^the disk ran low/) });
      expect((await t.api.call('recording.query', { id, order: 'asc', limit: 1000 })).records.length).toBe(again!.packets);
    } finally {
      await t.close();
      rmSync(join(dir, 'filler'), { force: true });
    }
  });

  it('--min-free: no start without room on the disk; a recording that reaches the floor stops, keeps what it has, exit 1', async () => {
    const free = freeBytes(dir);
    const refused = await runCli(['record', '--name', 'x', '--port', String(broker.port), '--min-free', String(Math.ceil(free / MiB) + 1024 * 1024 - 1), '--out', join(dir, 'no-room.mqttrec')]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(nonEmptyLines(refused.stderr)).toEqual([expect.stringMatching(/^mqtt-workbench: cannot record: cannot start a recording: only \d+ MiB free on the disk of /)]);
    expect(existsSync(join(dir, 'no-room.mqttrec'))).toBe(false);

    const out = join(dir, 'until-full.mqttrec');
    const record = start(process.execPath, [CLI, 'record', '--name', 'until full', '--port', String(broker.port), '--data', join(dir, 'full-data'),
      '--min-free', String(Math.floor((free - MARGIN) / MiB)), '--out', out]);
    await record.waitForLine(READY, 10_000, 'the "recording" line');
    const filler = fillDisk();
    try {
      const exit = await record.waitForExit(15_000);
      expect(exit.code, record.describe()).toBe(1);
      expect(record.stderr).toMatch(/recording "until full" stopped: only \d+ MiB free on the disk of /);
      expect(record.lines.at(-1)).toMatch(new RegExp(`^recorded {3}\\d+ packets to .* and ${out}$`));
      expect(existsSync(out)).toBe(true);
    } finally {
      rmSync(filler, { force: true });
    }
  });
});
