// Bad commands get typed, readable errors; bad frames and unauthorised sockets are refused; nothing crashes.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/contract/errors.js';
import { API_PATH, tokenFor } from '../../main/transport/websocket.js';
import { withTimeout } from '../helpers/broker.js';
import { connectApi, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';

let t: TestWorkbench;
beforeAll(async () => {
  t = await startWorkbench({}, 'test-token-123');
});
afterAll(() => t?.close());

async function failure(promise: Promise<unknown>): Promise<WorkbenchError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkbenchError);
  return error as WorkbenchError;
}

describe('workbench: bad commands', () => {
  it('unknown command', async () => {
    const e = await failure(t.api.call('clients.fly' as never, {} as never));
    expect(e.code).toBe('unknown-command');
    expect(e.message).toContain('clients.fly');
  });

  it('unknown client', async () => {
    const e = await failure(t.api.call('clients.publish', { name: 'nobody', topic: 'a' }));
    expect(e).toMatchObject({ code: 'not-found' });
    expect(e.message).toContain('nobody');
  });

  it('invalid topic filter and wrong types name the field', async () => {
    await t.api.call('clients.create', { name: 'myClient1' });
    const e = await failure(t.api.call('clients.subscribe', { name: 'myClient1', filter: 'a/#/b' }));
    expect(e.code).toBe('invalid-input');
    expect(e.issues?.map((i) => i.path)).toEqual(['filter']);
    const e2 = await failure(t.api.call('clients.publish', { name: 'myClient1', topic: 'a', qos: 3 as never }));
    expect(e2.issues?.map((i) => i.path)).toEqual(['qos']);
    const e3 = await failure(t.api.call('clients.create', { name: 42 as never }));
    expect(e3.code).toBe('invalid-input');
    const e4 = await failure(t.api.call('clients.create', { name: 'ok', port: 70000 }));
    expect(e4.issues?.[0]?.path).toBe('port');
  });

  it('publishing from a client that is not connected, a bad payload, a duplicate name', async () => {
    expect((await failure(t.api.call('clients.publish', { name: 'myClient1', topic: 'a' }))).code).toBe('not-connected');
    await t.api.call('clients.connect', { name: 'myClient1' });
    const e = await failure(t.api.call('clients.publish', { name: 'myClient1', topic: 'a', payload: { format: 'hex', data: 'zz' } }));
    expect(e.code).toBe('invalid-input');
    expect((await failure(t.api.call('clients.create', { name: 'myClient1' }))).code).toBe('conflict');
    expect((await failure(t.api.call('broker.session', { clientId: 'ghost' }))).code).toBe('not-found');
  });

  it('still serves after all that', async () => {
    const status = await t.api.call('broker.status', {});
    expect(status.clientsConnected).toBe(1);
  });
});

describe('workbench: the WebSocket face refuses what it must', () => {
  const status = (port: number, query: string, headers: Record<string, string> = {}) =>
    withTimeout(new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${query}`, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => undefined);
    }), 5000, 'the upgrade answer');

  it('needs the token when one is set; accepts it as ?token= or Bearer', async () => {
    expect(await status(t.face.port, API_PATH)).toBe(401);
    expect(await status(t.face.port, `${API_PATH}?token=wrong`)).toBe(401);
    expect(await status(t.face.port, `${API_PATH}?token=test-token-123`)).toBe(101);
    expect(await status(t.face.port, API_PATH, { authorization: 'Bearer test-token-123' })).toBe(101);
  });

  it('refuses a page from another origin, and other paths', async () => {
    expect(await status(t.face.port, `${API_PATH}?token=test-token-123`, { origin: 'http://evil.example' })).toBe(403);
    expect(await status(t.face.port, `${API_PATH}?token=test-token-123`, { origin: `http://127.0.0.1:${t.face.port}` })).toBe(101);
    expect(await status(t.face.port, '/other?token=test-token-123')).toBe(404);
  });

  it('closes a socket that sends something other than a call frame, and only that one', async () => {
    const { socket } = await connectApi(t.face.port, 'test-token-123');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.send('not json');
    expect(await withTimeout(closed, 5000, 'the close')).toBe(1003);
    expect((await t.api.call('clients.list', {})).length).toBe(1);
  });

  it('a token is generated for any address but loopback', () => {
    expect(tokenFor('127.0.0.1')).toBeNull();
    expect(tokenFor('::1')).toBeNull();
    expect(tokenFor('0.0.0.0')).toMatch(/^[\w-]{20,}$/);
    expect(tokenFor('0.0.0.0', 'given')).toBe('given');
  });
});
