// The command line as a user runs it: `node bin/mqtt-workbench.js …` in a child process.
// Needs the compiled CLI in out/ (npm test builds it first).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, end, withTimeout } from '../helpers/broker.js';
import { assertCliBuilt, nonEmptyLines, runCli, startCli, startCliBroker, TCP_LINE, WS_LINE } from '../helpers/cli.js';
import { killChildren } from '../helpers/process.js';

const USAGE_ERROR = 2;

let dir: string;
beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-cli-'));
});
afterAll(async () => {
  await killChildren();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A TCP port that is taken: a server of our own listening on it. */
async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await withTimeout(new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  }), 3000, 'a port to occupy');
  return { port: (server.address() as { port: number }).port, server };
}

/** Expects exit code 2, one line on stderr (returned), and no listener started. */
async function expectStartupError(args: string[]): Promise<string> {
  const result = await runCli(args);
  const lines = nonEmptyLines(result.stderr);
  expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(USAGE_ERROR);
  expect(lines, `stderr of ${args.join(' ')}`).toHaveLength(1);
  expect(result.stdout).not.toMatch(/listening/);
  return lines[0];
}

describe('cli: help', () => {
  it('--help lists the broker command and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: mqtt-workbench/);
    expect(result.stdout).toMatch(/^\s+broker\b/m);
  });

  it('broker --help lists every flag and exits 0', async () => {
    const result = await runCli(['broker', '--help']);
    expect(result.code, result.stderr).toBe(0);
    const flags = [
      '--host <address>', '--port <port>', '--ws-port <port>', '--ws-path <path>', '--no-ws',
      '--data <dir>', '--reset-corrupt-db', '--password-file <file>', '--acl-file <file>',
      '--allow-anonymous <policy>', '--max-packet-size <bytes>', '--max-connections <n>',
      '--max-keepalive <seconds>', '--max-inflight <n>', '--max-queued <n>', '--connect-timeout <seconds>',
      '--sys-interval <seconds>', '-h, --help',
    ];
    for (const flag of flags) expect(result.stdout, `help should list ${flag}`).toContain(flag);
  });
});

describe('cli: broker', () => {
  it('broker --port 0 --ws-port 0 prints one tcp and one ws listening line and serves mqtt.js on both', async () => {
    const b = await startCli(['broker', '--port', '0', '--ws-port', '0']);
    try {
      expect(b.child.lines.filter((l) => TCP_LINE.test(l))).toHaveLength(1);
      expect(b.child.lines.filter((l) => WS_LINE.test(l))).toHaveLength(1);
      expect(b.port).toBeGreaterThan(0);
      expect(b.wsPort).toBeGreaterThan(0);
      expect(b.wsPort).not.toBe(b.port);
      expect(b.wsUrl).toBe(`ws://127.0.0.1:${b.wsPort}/mqtt`);

      const overTcp = await connect(b.url, { clientId: 'cli-tcp' });
      const overWs = await connect(b.wsUrl, { clientId: 'cli-ws' });
      try {
        const got = collect(overTcp);
        await overTcp.subscribeAsync('cli/hello', { qos: 1 });
        await overWs.publishAsync('cli/hello', 'from ws', { qos: 1 });
        const [message] = await got.count(1);
        expect(message).toMatchObject({ topic: 'cli/hello', payload: 'from ws', qos: 1 });
      } finally {
        await end(overTcp, overWs);
      }
    } finally {
      await b.stop('SIGTERM');
    }
  });

  it('--no-ws prints only the tcp line; --ws-path changes the WebSocket path', async () => {
    const noWs = await startCliBroker(['--no-ws']);
    try {
      expect(noWs.child.lines.some((l) => /listening\s+ws/.test(l))).toBe(false);
    } finally {
      await noWs.stop();
    }
    const custom = await startCliBroker(['--ws-path', '/custom']);
    try {
      expect(custom.wsUrl).toBe(`ws://127.0.0.1:${custom.wsPort}/custom`);
      const client = await connect(custom.wsUrl, { clientId: 'cli-ws-path' });
      await end(client);
    } finally {
      await custom.stop();
    }
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} stops the broker (with a client connected) and it exits 0`, async () => {
      const b = await startCliBroker();
      const client = await connect(b.url, { clientId: `cli-${signal}` });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      try {
        const exit = await b.stop(signal, 10_000);
        expect(exit, b.child.describe()).toEqual({ code: 0, signal: null });
        await withTimeout(closed, 5000, 'the client to see the connection close');
      } finally {
        await end(client);
      }
    });
  }
});

describe('cli: bad flags exit 2 with one line on stderr', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--port', 'abc'], /--port.*abc/],
    [['--port', '70000'], /--port.*70000/],
    [['--ws-port', '-1'], /--ws-port/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--allow-anonymous', 'maybe'], /--allow-anonymous.*maybe/],
    [['--max-inflight', '0'], /--max-inflight/],
  ];
  for (const [flags, message] of cases) {
    it(`broker ${flags.join(' ')}`, async () => {
      // --port/--ws-port 0 first, so a flag that is wrongly accepted cannot start on a fixed port.
      const line = await expectStartupError(['broker', '--port', '0', '--ws-port', '0', ...flags]);
      expect(line).toMatch(message);
    });
  }

  it('an unknown command', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(USAGE_ERROR);
    expect(result.stderr).toMatch(/frobnicate/);
  });
});

describe('cli: start-up failures exit 2 with one line naming the cause', () => {
  it('the TCP port is already in use: the message names the port', async () => {
    const { port, server } = await occupyPort();
    try {
      const line = await expectStartupError(['broker', '--port', String(port), '--ws-port', '0']);
      expect(line).toContain(String(port));
      expect(line).toMatch(/in use/);
    } finally {
      server.close();
    }
  });

  it('the WebSocket port is already in use: the message names the port', async () => {
    const { port, server } = await occupyPort();
    try {
      const line = await expectStartupError(['broker', '--port', '0', '--ws-port', String(port)]);
      expect(line).toContain(String(port));
      expect(line).toMatch(/in use/);
    } finally {
      server.close();
    }
  });

  it('a missing password file is named', async () => {
    const file = join(dir, 'no-such-passwords');
    const line = await expectStartupError(['broker', '--port', '0', '--ws-port', '0', '--password-file', file]);
    expect(line).toContain(file);
  });

  it('an unreadable password file (a directory) is named', async () => {
    const file = join(dir, 'passwords-dir');
    mkdirSync(file, { recursive: true });
    const line = await expectStartupError(['broker', '--port', '0', '--ws-port', '0', '--password-file', file]);
    expect(line).toContain(file);
  });

  it('a malformed password file is named, with the line', async () => {
    const file = join(dir, 'bad-passwords');
    writeFileSync(file, 'alice:plain-text-password\n');
    const line = await expectStartupError(['broker', '--port', '0', '--ws-port', '0', '--password-file', file]);
    expect(line).toContain(file);
    expect(line).toMatch(/line 1/);
  });

  it('a missing ACL file is named', async () => {
    const file = join(dir, 'no-such-acl');
    const line = await expectStartupError(['broker', '--port', '0', '--ws-port', '0', '--acl-file', file]);
    expect(line).toContain(file);
  });

  it('an unreadable ACL file (a directory) is named', async () => {
    const file = join(dir, 'acl-dir');
    mkdirSync(file, { recursive: true });
    const line = await expectStartupError(['broker', '--port', '0', '--ws-port', '0', '--acl-file', file]);
    expect(line).toContain(file);
  });

  it('a malformed ACL file is named, with the line', async () => {
    const file = join(dir, 'bad-acl');
    writeFileSync(file, 'user alice\ntopic sometimes sensors/#\n');
    const line = await expectStartupError(['broker', '--port', '0', '--ws-port', '0', '--acl-file', file]);
    expect(line).toContain(file);
    expect(line).toMatch(/line 2/);
  });
});
