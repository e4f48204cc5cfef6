// `mqtt-workbench replay FILE` as a user runs it: a recording made on a workbench, exported, replayed by
// the CLI into a broker the test started (a CLI broker), where a subscriber checks what arrives; over TCP
// and over the CLI broker's WebSocket listener.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCollecting, end } from '../helpers/broker.js';
import { assertCliBuilt, nonEmptyLines, runCli, startCliBroker, type CliBroker } from '../helpers/cli.js';
import { killChildren } from '../helpers/process.js';
import { startWorkbench } from '../helpers/workbench.js';

let dir: string;
let broker: CliBroker;
let file: string;
beforeAll(async () => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-replay-'));
  broker = await startCliBroker(); // with its WebSocket listener, for --transport ws
  const t = await startWorkbench();
  try {
    await t.api.call('clients.create', { name: 'myClient1' });
    await t.api.call('clients.connect', { name: 'myClient1' });
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'lab/kept', payload: { data: 'before' }, retain: true, qos: 1 });
    const { id } = await t.api.call('recording.start', { name: 'cli' });
    for (let i = 0; i < 10; i++) {
      await t.api.call('clients.publish', { name: 'myClient1', topic: `lab/${i % 2 ? 'odd' : 'even'}`, payload: { data: String(i) }, qos: (i % 3) as 0 | 1 | 2 });
    }
    await t.api.call('recording.stop', {});
    file = join(dir, 'cli.mqttrec');
    await t.api.call('recording.export', { id, path: file });
  } finally {
    await t.close();
  }
}, 30_000);
afterAll(async () => {
  await broker?.stop();
  await killChildren();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cli: replay', () => {
  it('publishes the recorded messages in order, retained state first, and says how many', async () => {
    const { client, got } = await connectCollecting(broker.url, { clientId: 'watcher' });
    // QoS 1: mqtt.js hands a QoS 2 message over at its PUBREL, so a QoS 0 one after it can overtake it.
    await client.subscribeAsync('lab/#', { qos: 1 });
    const result = await runCli(['replay', file, '--host', '127.0.0.1', '--port', String(broker.port), '--speed', 'max', '--retained-first'], 20_000);
    expect(result.code, result.stderr).toBe(0);
    expect(nonEmptyLines(result.stdout).at(-1)).toBe('replayed   10 messages (and 1 retained first); done');
    const messages = await got.count(11);
    expect(messages.map((m) => `${m.topic}=${m.payload}`)).toEqual([
      'lab/kept=before', ...Array.from({ length: 10 }, (_, i) => `lab/${i % 2 ? 'odd' : 'even'}=${i}`),
    ]);
    await end(client);
  });

  it('--topic replays only the matching messages', async () => {
    const { client, got } = await connectCollecting(broker.url, { clientId: 'watcher2' });
    await client.subscribeAsync('lab/odd', { qos: 2 });
    const result = await runCli(['replay', file, '--port', String(broker.port), '--speed', '100', '--topic', 'lab/odd'], 20_000);
    expect(result.code, result.stderr).toBe(0);
    expect((await got.count(5)).map((m) => m.payload)).toEqual(['1', '3', '5', '7', '9']);
    await end(client);
  });

  it('bad flags, a missing or broken file: one line, exit 2; no broker: exit 1', async () => {
    const broken = join(dir, 'broken.mqttrec');
    writeFileSync(broken, 'not a recording');
    for (const args of [
      [file, '--speed', '1000'], [file, '--speed', 'fast'], [file, '--topic', 'a/#/b'], [join(dir, 'missing.mqttrec')], [broken],
    ]) {
      const result = await runCli(['replay', ...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(nonEmptyLines(result.stderr).filter((l) => !l.startsWith('(run with --help'))).toHaveLength(1);
    }
    // A port nothing listens on (the test broker's, after a throwaway broker there stopped).
    const gone = await startCliBroker(['--no-ws']);
    await gone.stop();
    const result = await runCli(['replay', file, '--port', String(gone.port)]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/cannot connect to mqtt:\/\/127\.0\.0\.1:\d+/);
  });

  it('--transport ws --protocol 5: publishes over the WebSocket listener, and says where', async () => {
    const { client, got } = await connectCollecting(broker.url, { clientId: 'ws-watcher', protocolVersion: 5 });
    await client.subscribeAsync('lab/#', { qos: 1, rh: 2 }); // not lab/kept, retained by the first test's replay
    const wsPath = new URL(broker.wsUrl).pathname;
    const result = await runCli(['replay', file, '--transport', 'ws', '--port', String(broker.wsPort), '--ws-path', wsPath, '--protocol', '5', '--speed', 'max'], 20_000);
    expect(result.code, result.stderr).toBe(0);
    const lines = nonEmptyLines(result.stdout);
    expect(lines[0]).toBe(`replaying  ${file} into ws://127.0.0.1:${broker.wsPort}${wsPath} at full speed; Ctrl-C stops`);
    expect(lines.at(-1)).toBe('replayed   10 messages; done');
    expect((await got.count(10)).map((m) => `${m.topic}=${m.payload}`))
      .toEqual(Array.from({ length: 10 }, (_, i) => `lab/${i % 2 ? 'odd' : 'even'}=${i}`));
    await end(client);
  });

  it('connection flags: one line, exit 2, before connecting', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--transport', 'ws', '--insecure'], /^mqtt-workbench: --insecure needs --transport tls or wss \(the transport is ws\)$/],
      [['--transport', 'wss', '--cafile', join(dir, 'missing-ca.pem')], /^mqtt-workbench: the CA file \(--cafile\) .*missing-ca\.pem does not exist$/],
      [['--transport', 'tls', '--key', file], /^mqtt-workbench: --key needs --cert/],
      [['--protocol', '4.0'], /--protocol.*expected one of 3\.1\.1, 5, got "4\.0"/],
      [['--transport', 'quic'], /--transport.*expected one of tcp, tls, ws, wss, got "quic"/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['replay', file, ...args], 15_000)));
    for (const [i, [args, pattern]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      const lines = nonEmptyLines(result.stderr).filter((l) => !l.startsWith('(run with --help'));
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    }
  });
});
