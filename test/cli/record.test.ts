// `mqtt-workbench record` as a user runs it on site: against a broker started by the test, stopped with
// SIGINT, then the .mqttrec file it wrote is checked (its row, its packets, and an import). The
// connection flags (credentials, MQTT 5, TLS) run against a CLI broker with a password file and a TLS
// front (node:tls, each socket piped to the CLI broker's TCP port) with a self-signed certificate.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { IClientOptions, IClientPublishOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, end, withTimeout } from '../helpers/broker.js';
import { assertCliBuilt, nonEmptyLines, runCli, startCliBroker, type CliBroker } from '../helpers/cli.js';
import { killChildren, run, start } from '../helpers/process.js';
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

const READY = /^recording {2}"(.+)" from ((?:mqtts?|wss?):\/\/\S+), filter (\S+); Ctrl-C stops$/;
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
      // The recording connects its client: CONNECT and CONNACK come first.
      expect(records.slice(0, 6).map((r) => `${r.direction} ${r.type}`)).toEqual(['out connect', 'in connack', 'out subscribe', 'in suback', 'in publish', 'out puback']);
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
      // The connection flags: checked together, and the TLS files, before anything connects.
      [['record', '--name', 'x', '--cafile', taken], /^mqtt-workbench: --cafile needs --transport tls or wss \(the transport is tcp\)$/],
      [['record', '--name', 'x', '--transport', 'ws', '--insecure'], /^mqtt-workbench: --insecure needs --transport tls or wss \(the transport is ws\)$/],
      [['record', '--name', 'x', '--transport', 'tls', '--cert', taken], /^mqtt-workbench: --cert needs --key/],
      [['record', '--name', 'x', '--transport', 'wss', '--key', taken], /^mqtt-workbench: --key needs --cert/],
      [['record', '--name', 'x', '--transport', 'tls', '--cafile', join(dir, 'missing-ca.pem')],
        new RegExp(`^mqtt-workbench: the CA file \\(--cafile\\) ${join(dir, 'missing-ca.pem')} does not exist$`)],
      [['record', '--name', 'x', '--transport', 'tls', '--cert', taken, '--key', join(dir, 'missing-key.pem')], /client key \(--key\) .*missing-key\.pem does not exist/],
      [['record', '--name', 'x', '--protocol', '4.0'], /--protocol.*expected one of 3\.1\.1, 5, got "4\.0"/],
      [['record', '--name', 'x', '--transport', 'quic'], /--transport.*expected one of tcp, tls, ws, wss, got "quic"/],
      [['record', '--name', 'x', '--port', '0'], /--port.*expected 1\.\.65535/],
      [['record', '--name', 'x', '--ws-path', '/mqtt'], /--ws-path needs --transport ws or wss/],
      [['record', '--name', 'x', '--transport', 'ws', '--ws-path', 'mqtt'], /--ws-path.*starting with \//],
      [['record', '--name', 'x', '--password', 'secret'], /--password needs --username with MQTT 3\.1\.1/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, 15_000)));
    for (const [i, [args, pattern]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      const lines = nonEmptyLines(result.stderr).filter((l) => !l.startsWith('(run with --help'));
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    }
  });
});

// The $7$ format mosquitto_passwd 2.x writes (as in test/broker/09-auth and test/clients/errors).
function mosquittoHash(password: string): string {
  const salt = randomBytes(12);
  return `$7$101$${salt.toString('base64')}$${pbkdf2Sync(password, salt, 101, 64, 'sha512').toString('base64')}`;
}

/** The number in the latest progress line on stderr (`recording "x": 3 packets, …`), 0 before the first. */
function packetsSoFar(stderr: string): number {
  const counts = [...stderr.matchAll(/^recording ".*": (\d+) packets/gm)];
  return counts.length ? Number(counts.at(-1)![1]) : 0;
}

interface Recorded {
  source: string;
  connect: Record<string, unknown>;
  subscribe: Record<string, unknown>;
  publishes: Array<{ topic: string; payload: string; fields: Record<string, unknown> }>;
}

/**
 * Runs `record --name NAME --out … ARGS` (with ENV added to the environment), publishes MESSAGES through
 * PUBLISHER once it says it records, waits for the recorder to count them (a SUBSCRIBE and SUBACK, then a
 * PUBLISH each at QoS 0), stops it with SIGINT and reads the file it wrote.
 */
async function recordThrough(name: string, args: readonly string[], publisher: { url: string; options: IClientOptions },
  messages: ReadonlyArray<{ topic: string; payload: string; properties?: IClientPublishOptions['properties'] }>, env: NodeJS.ProcessEnv = {}): Promise<Recorded> {
  const out = join(dir, `${name}.mqttrec`);
  const record = start(process.execPath, [CLI, 'record', '--name', name, '--out', out, ...args], { env: { ...process.env, ...env } });
  const ready = await record.waitForLine(READY, 10_000, 'the "recording" line');
  const client = await connect(publisher.url, publisher.options);
  try {
    for (const m of messages) {
      await withTimeout(client.publishAsync(m.topic, m.payload, { qos: 1, ...(m.properties ? { properties: m.properties } : {}) }), 3000, `the publish to ${m.topic}`);
    }
  } finally {
    await end(client);
  }
  // CONNECT, CONNACK, SUBSCRIBE, SUBACK, then the messages.
  await eventually(() => packetsSoFar(record.stderr) >= 4 + messages.length, `${4 + messages.length} packets in the progress\n${record.describe()}`, 8000);
  record.kill('SIGINT');
  expect((await record.waitForExit(10_000)).code, record.describe()).toBe(0);
  const db = new Database(out, { readonly: true });
  try {
    const row = db.prepare('SELECT source FROM recording').get() as { source: string };
    expect(ready[2], 'the "recording" line shows the URL used').toBe(row.source);
    const connect = db.prepare('SELECT fields FROM traffic WHERE type = 1').get() as { fields: string };
    const subscribe = db.prepare('SELECT fields FROM traffic WHERE type = 8').get() as { fields: string };
    const publishes = db.prepare('SELECT topic, CAST(payload AS TEXT) AS payload, fields FROM traffic WHERE type = 3 ORDER BY id').all() as Array<{ topic: string; payload: string; fields: string | null }>;
    return {
      source: row.source,
      connect: JSON.parse(connect.fields) as Record<string, unknown>,
      subscribe: JSON.parse(subscribe.fields) as Record<string, unknown>,
      publishes: publishes.map((p) => ({ topic: p.topic, payload: p.payload, fields: p.fields ? JSON.parse(p.fields) as Record<string, unknown> : {} })),
    };
  } finally {
    db.close();
  }
}

/** `record` that must fail: exit 1 and one line on stderr, which is returned; no file left behind. */
async function recordFails(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const out = join(dir, `failed-${randomBytes(4).toString('hex')}.mqttrec`);
  const result = await run(process.execPath, [CLI, 'record', '--name', 'refused', '--out', out, ...args], 15_000, { env: { ...process.env, ...env } });
  expect(result.code, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(1);
  const lines = nonEmptyLines(result.stderr);
  expect(lines, result.stderr).toHaveLength(1);
  expect(existsSync(out)).toBe(false);
  return lines[0]!;
}

describe('cli: record, connection flags', () => {
  let auth: CliBroker;
  let tlsFront: TlsServer;
  let tlsPort: number;
  const certFile = () => join(dir, 'cert.pem');
  const alice = () => ({ url: auth.url, options: { clientId: 'alice-sensor', username: 'alice', password: 'wonder' } });

  beforeAll(async () => {
    const passwords = join(dir, 'passwords');
    writeFileSync(passwords, `alice:${mosquittoHash('wonder')}\n`);
    auth = await startCliBroker(['--no-ws', '--password-file', passwords]);

    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', certFile(),
    ], { stdio: 'ignore', timeout: 15_000 });
    // A TLS front for the plain CLI broker: each TLS socket piped into a TCP connection to it.
    tlsFront = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(certFile()) }, (socket) => {
      const plain = tcpConnect(broker.port, '127.0.0.1');
      socket.pipe(plain).pipe(socket);
      socket.on('error', () => plain.destroy());
      plain.on('error', () => socket.destroy());
      socket.on('close', () => plain.destroy());
      plain.on('close', () => socket.destroy());
    });
    tlsFront.on('tlsClientError', () => {}); // the refused handshakes of the tests below
    await new Promise<void>((resolve) => tlsFront.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsFront.address() as { port: number }).port;
  });
  afterAll(async () => {
    await auth?.stop();
    if (tlsFront) await withTimeout(new Promise((resolve) => tlsFront.close(resolve)), 5000, 'the TLS front to close');
  });

  it('--username/--password: records a broker that requires them', async () => {
    const recorded = await recordThrough('with login', ['--port', String(auth.port), '--username', 'alice', '--password', 'wonder', '--filter', 'auth/#'],
      alice(), [{ topic: 'auth/door', payload: 'open' }]);
    expect(recorded.source).toBe(`mqtt://127.0.0.1:${auth.port}`);
    expect(recorded.publishes.map((p) => `${p.topic}=${p.payload}`)).toEqual(['auth/door=open']);
  });

  it('the password from MQTT_WORKBENCH_PASSWORD when --password is not given', async () => {
    const recorded = await recordThrough('env login', ['--port', String(auth.port), '--username', 'alice', '--filter', 'auth/#'],
      alice(), [{ topic: 'auth/window', payload: 'shut' }], { MQTT_WORKBENCH_PASSWORD: 'wonder' });
    expect(recorded.publishes.map((p) => `${p.topic}=${p.payload}`)).toEqual(['auth/window=shut']);
  });

  it('a refused login: exit 1, one line saying the broker refused it', async () => {
    const at = `cannot connect to mqtt://127\\.0\\.0\\.1:${auth.port}: the broker refused the connection`;
    // --password wins over the environment.
    expect(await recordFails(['--port', String(auth.port), '--username', 'alice', '--password', 'nope'], { MQTT_WORKBENCH_PASSWORD: 'wonder' }))
      .toMatch(new RegExp(`^mqtt-workbench: ${at}: bad user name or password \\(return code 4\\)$`));
    expect(await recordFails(['--port', String(auth.port), '--protocol', '5', '--username', 'alice'], { MQTT_WORKBENCH_PASSWORD: 'nope' }))
      .toMatch(new RegExp(`^mqtt-workbench: ${at}: bad user name or password \\(0x86\\)$`));
    // No credentials at all.
    expect(await recordFails(['--port', String(auth.port)])).toMatch(new RegExp(`^mqtt-workbench: ${at}: `));
  });

  it('--protocol 5: the recorder speaks MQTT 5 (v5 subscription options, PUBLISH properties kept)', async () => {
    const recorded = await recordThrough('five', ['--port', String(broker.port), '--protocol', '5', '--filter', 'five/#'],
      { url: broker.url, options: { clientId: 'v5-sensor', protocolVersion: 5 } },
      [{ topic: 'five/temp', payload: '21.5', properties: { contentType: 'text/plain', userProperties: { unit: 'C' } } }]);
    expect(recorded.connect).toMatchObject({ protocolVersion: 5 });
    expect(recorded.subscribe).toEqual({ subscriptions: [{ topic: 'five/#', qos: 0, nl: false, rap: false, rh: 0 }] });
    expect(recorded.publishes).toEqual([{ topic: 'five/temp', payload: '21.5', fields: { properties: { contentType: 'text/plain', userProperties: { unit: 'C' } } } }]);

    // The default, 3.1.1, has neither.
    const v4 = await recordThrough('three', ['--port', String(broker.port), '--filter', 'three/#'],
      { url: broker.url, options: { clientId: 'v5-sensor-2', protocolVersion: 5 } },
      [{ topic: 'three/temp', payload: '19', properties: { contentType: 'text/plain' } }]);
    expect(v4.connect).toMatchObject({ protocolVersion: 4 });
    expect(v4.subscribe).toEqual({ subscriptions: [{ topic: 'three/#', qos: 0 }] });
    expect(v4.publishes).toEqual([{ topic: 'three/temp', payload: '19', fields: {} }]);
  });

  it('--transport tls: verified with --cafile; a self-signed certificate refused without it; accepted with --insecure', async () => {
    const publisher = { url: broker.url, options: { clientId: 'tls-sensor' } };
    const verified = await recordThrough('tls ca', ['--transport', 'tls', '--port', String(tlsPort), '--cafile', certFile(), '--filter', 'tls/#'],
      publisher, [{ topic: 'tls/a', payload: 'verified' }]);
    expect(verified.source).toBe(`mqtts://127.0.0.1:${tlsPort}`);
    expect(verified.publishes.map((p) => p.payload)).toEqual(['verified']);

    expect(await recordFails(['--transport', 'tls', '--port', String(tlsPort)])).toBe(
      `mqtt-workbench: cannot connect to mqtts://127.0.0.1:${tlsPort}: TLS: self-signed certificate — trust it with --cafile <file>, or accept it unverified with --insecure`);

    const insecure = await recordThrough('tls insecure', ['--transport', 'tls', '--port', String(tlsPort), '--insecure', '--filter', 'tls/#'],
      publisher, [{ topic: 'tls/b', payload: 'unverified' }]);
    expect(insecure.publishes.map((p) => p.payload)).toEqual(['unverified']);
  });
});
