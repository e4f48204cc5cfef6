// `mqtt-workbench serve` as a user runs it: a child process serving the UI and the API.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '../helpers/broker.js';
import { assertCliBuilt, nonEmptyLines, runCli, startCli } from '../helpers/cli.js';
import { killChildren } from '../helpers/process.js';
import { connectApi } from '../helpers/workbench.js';

const UI_LINE = /^listening {2}ui {3}(http:\/\/(\S+?):(\d+)\/(\?token=(\S+))?)$/;
const SERVE = ['serve', '--port', '0', '--ws-port', '0', '--ui-port', '0', '--sys-interval', '0'];

let dir: string;
beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-serve-'));
});
afterAll(async () => {
  await killChildren();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cli: serve', () => {
  it('prints the broker listeners and the UI URL; serves the page and the API; stops on SIGTERM', async () => {
    const s = await startCli([...SERVE, '--data', join(dir, 'a')]);
    const ui = await s.child.waitForLine(UI_LINE, 10_000, 'the "listening  ui" line');
    expect(ui[2]).toBe('127.0.0.1');
    expect(ui[4]).toBeUndefined(); // no token on loopback
    expect(s.child.lines.join('\n')).toMatch(/passwords are encrypted with the key in .*secret\.key/);
    const page = await fetch(ui[1]!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const { api, socket } = await connectApi(Number(ui[3]), null);
    const created = await api.call('clients.create', { name: 'myClient1' });
    expect(created.profile.name).toBe('myClient1');
    const status = await api.call('broker.status', {});
    expect(status.listeners.find((l) => l.protocol === 'tcp')?.port).toBe(s.port);
    socket.close();
    const exit = await s.stop('SIGTERM');
    expect(exit.code).toBe(0);

    // Profiles survive a restart with the same --data.
    const again = await startCli([...SERVE, '--data', join(dir, 'a')]);
    const ui2 = await again.child.waitForLine(UI_LINE, 10_000, 'the "listening  ui" line');
    const second = await connectApi(Number(ui2[3]), null);
    expect((await second.api.call('clients.list', {})).map((c) => c.profile.name)).toEqual(['myClient1']);
    second.socket.close();
    await again.stop('SIGTERM');
  });

  it('off loopback it prints a token and the API needs it', async () => {
    const s = await startCli([...SERVE, '--ui-host', '0.0.0.0']);
    const ui = await s.child.waitForLine(UI_LINE, 10_000, 'the "listening  ui" line');
    const token = decodeURIComponent(ui[5]!);
    expect(token.length).toBeGreaterThanOrEqual(20);
    const refused = await connectApi(Number(ui[3]), null).then(() => 'open', (e: Error) => e.message);
    expect(refused).toContain('401');
    const { api, socket } = await connectApi(Number(ui[3]), token);
    expect(await api.call('clients.list', {})).toEqual([]);
    socket.close();
    await s.stop('SIGTERM');
  });

  it('a UI port in use: one line, exit 2, nothing left listening', async () => {
    const server: Server = createServer();
    await withTimeout(new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r())), 3000, 'a port');
    const port = (server.address() as { port: number }).port;
    try {
      const result = await runCli(['serve', '--port', '0', '--ws-port', '0', '--ui-port', String(port)]);
      expect(result.code).toBe(2);
      const lines = nonEmptyLines(result.stderr);
      expect(lines).toEqual([`mqtt-workbench: UI port ${port} on 127.0.0.1 is already in use; choose another with --ui-port`]);
    } finally {
      server.close();
    }
  });

  it('serve --help lists its flags', async () => {
    const result = await runCli(['serve', '--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--host <address>', '--port <port>', '--ws-port <port>', '--ui-host <address>', '--ui-port <port>', '--token <token>', '--data <dir>', '--traffic-payload-cap <bytes>', '--traffic-budget <MiB>', '--password-file <file>']) {
      expect(result.stdout, flag).toContain(flag);
    }
  });

  it('bad flags: exit 2 with a one-line reason', async () => {
    const result = await runCli(['serve', '--ui-port', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--ui-port/);
  });
});
