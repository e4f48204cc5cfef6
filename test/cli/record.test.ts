// `mqtt-workbench record` as a user runs it on site: against a broker started by the test, stopped with
// SIGINT, then the .mqttrec file it wrote is checked (its row, its packets, and an import).
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, end, withTimeout } from '../helpers/broker.js';
import { assertCliBuilt, nonEmptyLines, runCli, startCliBroker, type CliBroker } from '../helpers/cli.js';
import { killChildren, start } from '../helpers/process.js';
import { CLI } from '../helpers/cli.js';
import { eventually, startWorkbench } from '../helpers/workbench.js';
import { recordingRecords } from '../recording/recordings-helpers.js';

let dir: string;
let broker: CliBroker;
beforeAll(async () => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-record-'));
  broker = await startCliBroker(['--no-ws']);
});
afterAll(async () => {
  await broker?.stop();
  await killChildren();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const READY = /^recording {2}"(.+)" from (mqtt:\/\/\S+), filter (\S+); Ctrl-C stops$/;
const DONE = /^recorded {3}(\d+) packets to (.+)$/;

describe('cli: record', () => {
  it('records an outside broker until SIGINT, shows progress, and writes the .mqttrec file', async () => {
    const publisher = await connect(broker.url, { clientId: 'sensor-1' });
    await withTimeout(publisher.publishAsync('site/state', 'on', { qos: 1, retain: true }), 3000, 'the retained publish');
    const out = join(dir, 'site.mqttrec');
    const data = join(dir, 'data');
    const record = start(process.execPath, [CLI, 'record', '--name', 'site visit', '--notes', 'line 3', '--host', '127.0.0.1',
      '--port', String(broker.port), '--filter', 'site/#', '--qos', '1', '--data', data, '--out', out]);
    const ready = await record.waitForLine(READY, 10_000, 'the "recording" line');
    expect(ready.slice(1)).toEqual(['site visit', `mqtt://127.0.0.1:${broker.port}`, 'site/#']);

    for (let i = 0; i < 20; i++) await publisher.publishAsync(`site/line3/temp`, `${20 + i}`, { qos: (i % 2) as 0 | 1 });
    await publisher.publishAsync('other/topic', 'not recorded', { qos: 1 });
    // Progress on stderr about once a second, with the packets so far.
    // (stderr does not wake Child's waiters: poll it.)
    await eventually(() => /recording "site visit": [1-9]\d* packets, [\d.]+ KiB/.test(record.stderr), 'a progress line', 5000);
    await end(publisher);

    record.kill('SIGINT');
    const exit = await record.waitForExit(10_000);
    expect(exit.code, record.describe()).toBe(0);
    const done = DONE.exec(record.lines.at(-1) ?? '');
    expect(done, record.describe()).not.toBeNull();
    expect(existsSync(out)).toBe(true);

    // The file itself: one recording row, and the client's packets in order.
    const db = new Database(out, { readonly: true });
    const row = db.prepare('SELECT * FROM recording').get() as Record<string, unknown>;
    expect(row).toMatchObject({ name: 'site visit', notes: 'line 3', source: `mqtt://127.0.0.1:${broker.port}`, client: 'recorder', filter: 'site/#', format_version: 2 });
    expect(row.ended_us).toBeGreaterThan(row.started_us as number);
    expect(row.packets).toBe(Number(done![1]));
    const publishes = db.prepare("SELECT topic, CAST(payload AS TEXT) AS payload, retain FROM traffic WHERE type = 3 ORDER BY id").all() as Array<{ topic: string; payload: string; retain: number }>;
    db.close();
    expect(publishes[0]).toEqual({ topic: 'site/state', payload: 'on', retain: 1 }); // the retained message at the subscribe
    expect(publishes.slice(1).map((p) => p.payload)).toEqual(Array.from({ length: 20 }, (_, i) => `${20 + i}`));

    // Also kept in --data, and the exported file imports into a workbench.
    expect(done![2]).toContain(join(data, 'recordings'));
    const t = await startWorkbench();
    try {
      const imported = await t.api.call('recording.import', { path: out });
      expect(imported).toMatchObject({ name: 'site visit', packets: Number(done![1]), client: 'recorder' });
      const records = await recordingRecords(t.api, imported.id);
      expect(records.slice(0, 4).map((r) => `${r.direction} ${r.type}`)).toEqual(['out subscribe', 'in suback', 'in publish', 'out puback']);
      expect(records.every((r) => r.side === 'client' && r.connection === 'recorder')).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('without --data, writes ./<name>.mqttrec in the working folder', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const record = start(process.execPath, [CLI, 'record', '--name', 'quick look', '--port', String(broker.port)], { cwd });
    await record.waitForLine(READY, 10_000, 'the "recording" line');
    record.kill('SIGTERM');
    expect((await record.waitForExit(10_000)).code, record.describe()).toBe(0);
    expect(record.lines.at(-1)).toMatch(new RegExp(`^recorded {3}\\d+ packets to ${join(cwd, 'quick-look.mqttrec')}$`));
    expect(existsSync(join(cwd, 'quick-look.mqttrec'))).toBe(true);
  });

  it('cannot connect: exit 1 with the reason on one line', async () => {
    const free = await startCliBroker(['--no-ws']);
    const port = free.port;
    await free.stop(); // nothing listens there now
    const result = await runCli(['record', '--name', 'x', '--port', String(port), '--out', join(dir, 'never.mqttrec')]);
    expect(result.code, result.stderr).toBe(1);
    const lines = nonEmptyLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^mqtt-workbench: cannot connect to mqtt://127\\.0\\.0\\.1:${port}: .*(ECONNREFUSED|refused)`));
    expect(existsSync(join(dir, 'never.mqttrec'))).toBe(false);
  });

  it('bad flags: exit 2 with a one-line message, before connecting', async () => {
    const taken = join(dir, 'taken.mqttrec');
    writeFileSync(taken, 'x');
    const cases: Array<[string[], RegExp]> = [
      [['record'], /required option '--name <name>' not specified/],
      [['record', '--name', 'x', '--port', 'abc'], /--port.*expected a whole number/],
      [['record', '--name', 'x', '--filter', 'a/#/b'], /--filter/],
      [['record', '--name', 'x', '--qos', '3'], /expected 0, 1 or 2/],
      [['record', '--name', 'x', '--out', taken], /already exists/],
      [['record', '--name', 'x', '--out', join(dir, 'no', 'such', 'x.mqttrec')], /does not exist/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(args);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      const lines = nonEmptyLines(result.stderr).filter((l) => !l.startsWith('(run with --help'));
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    }
  });
});
