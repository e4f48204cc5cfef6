// `mqtt-workbench export FILE --format jsonl|pcapng`: a recording made on a workbench, exported by the CLI;
// the JSON Lines hold every packet, and tshark decodes the pcapng as MQTT with the recorded topics.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, nonEmptyLines, runCli } from '../helpers/cli.js';
import { startWorkbench } from '../helpers/workbench.js';

const TSHARK = '/usr/bin/tshark';
let dir: string;
let file: string;
let packets: number;
beforeAll(async () => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-export-'));
  const t = await startWorkbench();
  try {
    await t.api.call('clients.create', { name: 'myClient1' });
    await t.api.call('clients.connect', { name: 'myClient1' });
    const { id } = await t.api.call('recording.start', { name: 'export' });
    for (const qos of [0, 1, 2] as const) await t.api.call('clients.publish', { name: 'myClient1', topic: `lab/q${qos}`, payload: { data: `m${qos}` }, qos });
    packets = (await t.api.call('recording.stop', {})).packets;
    file = join(dir, 'lab.mqttrec');
    await t.api.call('recording.export', { id, path: file });
  } finally {
    await t.close();
  }
}, 30_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cli: export', () => {
  it('--format jsonl: one JSON record per line, every packet of the recording in order', async () => {
    const result = await runCli(['export', file, '--format', 'jsonl']);
    expect(result.code, result.stderr).toBe(0);
    const out = join(dir, 'lab.jsonl');
    expect(nonEmptyLines(result.stdout)).toEqual([expect.stringMatching(new RegExp(`^exported {3}.*lab\\.mqttrec as jsonl to ${out.replace(/\./g, '\\.')} \\(\\d+ bytes\\)$`))]);
    const lines = nonEmptyLines(readFileSync(out, 'utf8')).map((l) => JSON.parse(l) as { id: number; type: string; topic: string | null; payload: string | null; side: string; direction: string });
    expect(lines).toHaveLength(packets);
    expect(lines.map((r) => r.id)).toEqual([...lines.map((r) => r.id)].sort((a, b) => a - b));
    const published = lines.filter((r) => r.type === 'publish' && r.side === 'broker' && r.direction === 'in');
    expect(published.map((r) => [r.topic, Buffer.from(r.payload!, 'base64').toString()])).toEqual([['lab/q0', 'm0'], ['lab/q1', 'm1'], ['lab/q2', 'm2']]);
  });

  it.skipIf(!existsSync(TSHARK))('--format pcapng: tshark decodes the broker side as MQTT with the recorded topics', async () => {
    const out = join(dir, 'capture.pcapng');
    const result = await runCli(['export', file, '--format', 'pcapng', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const { stdout } = await promisify(execFile)(TSHARK, ['-r', out, '-Y', 'mqtt.msgtype == 3', '-T', 'fields', '-e', 'mqtt.topic', '-e', 'mqtt.qos'], { timeout: 20_000 });
    // The broker's side: the PUBLISHes from myClient1 (nobody subscribed, so none went out).
    expect(nonEmptyLines(stdout)).toEqual(['lab/q0\t0', 'lab/q1\t1', 'lab/q2\t2']);
  });

  it('refuses an existing --out, a bad format or a file that is not a recording: one line, exit 2', async () => {
    const cases = [
      ['export', file, '--format', 'jsonl', '--out', file],
      ['export', file, '--format', 'csv'],
      ['export', join(dir, 'missing.mqttrec'), '--format', 'jsonl'],
      ['export', file],
    ];
    for (const args of cases) {
      const result = await runCli(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(nonEmptyLines(result.stderr).filter((l) => !l.startsWith('(run with --help'))).toHaveLength(1);
    }
  });
});
