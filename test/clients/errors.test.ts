// What goes wrong, and how the user reads it: refusals, nothing listening, timeouts, wrong state, names.
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclFile, createAuth, PasswordFile } from '../../main/broker/index.js';
import { ClientRegistry, memoryProfileStore } from '../../main/clients/index.js';
import { sleep, startBroker, until, type TestBroker } from '../helpers/broker.js';
import { profile } from './helpers.js';

// The $7$ format mosquitto_passwd 2.x writes (as in test/broker/09-auth).
function mosquittoHash(password: string): string {
  const salt = randomBytes(12);
  return `$7$101$${salt.toString('base64')}$${pbkdf2Sync(password, salt, 101, 64, 'sha512').toString('base64')}`;
}

const dir = mkdtempSync(join(tmpdir(), 'mqttwb-client-auth-'));
let b: TestBroker;
let registry: ClientRegistry;
const at = (fields: Parameters<typeof profile>[1] = {}) => ({ host: '127.0.0.1', port: b.port, ...fields });

beforeAll(async () => {
  writeFileSync(join(dir, 'passwords'), `alice:${mosquittoHash('wonder')}\nbob:${mosquittoHash('builder')}\n`);
  writeFileSync(join(dir, 'acl'), 'user alice\ntopic readwrite lab/#\nuser bob\ntopic write lab/bob/#\n');
  b = await startBroker({ auth: createAuth({ passwordFile: PasswordFile.load(join(dir, 'passwords')), aclFile: AclFile.load(join(dir, 'acl')) }) });
  registry = new ClientRegistry({ store: memoryProfileStore(), embedded: () => ({}) });
});
afterAll(async () => {
  await registry.closeAll();
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('refusals by the broker', () => {
  it('a wrong password: readable, with the code, and no retry', async () => {
    const v5 = registry.create(profile('wrong5', at({ protocolVersion: 5, username: 'alice', password: 'nope', autoReconnect: true, reconnectPeriodMs: 100 })));
    const message = 'the broker refused the connection: bad user name or password (0x86)';
    await expect(v5.connect()).rejects.toMatchObject({ code: 'mqtt-error', message });
    expect(v5.info()).toMatchObject({ state: 'error', lastError: message });
    // A refusal is final even with auto-reconnect on: no new connection attempts.
    const total = b.broker.stats.connectionsTotal;
    await sleep(350);
    expect(b.broker.stats.connectionsTotal).toBe(total);
    expect(v5.info().state).toBe('error');

    const v4 = registry.create(profile('wrong4', at({ username: 'alice', password: 'nope' })));
    await expect(v4.connect()).rejects.toMatchObject({ message: 'the broker refused the connection: bad user name or password (return code 4)' });
    const anonymous = registry.create(profile('anon5', at({ protocolVersion: 5 })));
    await expect(anonymous.connect()).rejects.toMatchObject({ message: 'the broker refused the connection: not authorized (0x87)' });
  });

  it('the stored password is used, never shown; a fixed password connects', async () => {
    const client = registry.get('wrong5');
    expect(client.info().profile).not.toHaveProperty('password');
    expect(client.info().profile.hasPassword).toBe(true);
    registry.update('wrong5', { password: 'wonder', autoReconnect: false });
    await client.connect();
    expect(client.info()).toMatchObject({ state: 'connected', connectedClientId: 'wrong5' });
    expect(client.info().lastError).toBeUndefined();
  });

  it('a publish or subscription the ACL denies is a result with the reason code, not an error', async () => {
    const bob = registry.create(profile('bob5', at({ protocolVersion: 5, username: 'bob', password: 'builder' })));
    await bob.connect();
    expect(await bob.publish({ topic: 'lab/alice/x', qos: 1 })).toMatchObject({ reasonCode: 0x87, packetId: expect.any(Number), size: 0 });
    expect(await bob.publish({ topic: 'lab/alice/x', qos: 2 })).toMatchObject({ reasonCode: 0x87 });
    expect((await bob.publish({ topic: 'lab/bob/x', qos: 1 })).reasonCode ?? 0).toBe(0);
    expect(await bob.subscribe({ filter: 'lab/#', qos: 1 })).toEqual({ granted: [0x87] });
    expect(bob.info().subscriptions).toEqual([]);
    const bob4 = registry.create(profile('bob4', at({ username: 'bob', password: 'builder' })));
    await bob4.connect();
    expect(await bob4.subscribe({ filter: 'lab/#', qos: 1 })).toEqual({ granted: [0x80] });
    expect(bob4.info().subscriptions).toEqual([]);
    await Promise.all([bob.disconnect(), bob4.disconnect()]);
  });
});

describe('connection failures', () => {
  it('nothing listening', async () => {
    const port = await closedPort();
    const client = registry.create(profile('nobody', { host: '127.0.0.1', port }));
    const message = `connection refused: nothing listens on 127.0.0.1:${port}`;
    await expect(client.connect()).rejects.toMatchObject({ code: 'mqtt-error', message });
    expect(client.info()).toMatchObject({ state: 'error', lastError: message });
  });

  it('a server that never answers CONNECT: the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const client = registry.create(profile('silent', { host: '127.0.0.1', port, connectTimeoutMs: 300 }));
    await expect(client.connect()).rejects.toMatchObject({ message: `no CONNACK from 127.0.0.1:${port} within 300 ms` });
    expect(client.info().state).toBe('error');
    await sleep(400); // with auto-reconnect off, no second attempt
    expect(sockets).toHaveLength(1);
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe('a connection that ends unasked', () => {
  it('MQTT 5: a DISCONNECT from the broker is shown with its reason (session taken over)', async () => {
    const first = registry.create(profile('twin-a', at({ protocolVersion: 5, clientId: 'twin', username: 'alice', password: 'wonder' })));
    const second = registry.create(profile('twin-b', at({ protocolVersion: 5, clientId: 'twin', username: 'alice', password: 'wonder' })));
    await first.connect();
    await second.connect();
    await until(() => first.info().state === 'error', 'the first twin to be taken over');
    expect(first.info().lastError).toBe('the broker disconnected: session taken over (0x8e)');
    expect(second.info().state).toBe('connected');
    await second.disconnect();
  });

  it('a broker that goes away leaves a readable error (no auto-reconnect)', async () => {
    const other = await startBroker({ ws: false });
    const client = registry.create(profile('orphan', { host: '127.0.0.1', port: other.port }));
    await client.connect();
    await other.close();
    await until(() => client.info().state === 'error', 'the error state');
    expect(client.info().lastError).toMatch(new RegExp(`^the broker at 127\\.0\\.0\\.1:${other.port} closed the connection$|was reset$`));
  });
});

describe('wrong state, wrong name', () => {
  it('publish, subscribe and unsubscribe need a connection', async () => {
    const idle = registry.create(profile('idle', at()));
    await expect(idle.publish({ topic: 'a' })).rejects.toMatchObject({ code: 'not-connected', message: 'client "idle" is not connected (disconnected)' });
    await expect(idle.subscribe({ filter: 'a' })).rejects.toMatchObject({ code: 'not-connected' });
    await expect(idle.unsubscribe('a')).rejects.toMatchObject({ code: 'not-connected' });
  });

  it('connecting twice is a conflict; so is a taken name; an unknown name is not found', async () => {
    const client = registry.get('wrong5');
    expect(client.info().state).toBe('connected');
    await expect(client.connect()).rejects.toMatchObject({ code: 'conflict' });
    expect(() => registry.create(profile('wrong5'))).toThrow(expect.objectContaining({ code: 'conflict', message: 'a client named "wrong5" already exists' }));
    expect(() => registry.get('ghost')).toThrow(expect.objectContaining({ code: 'not-found', message: 'no client named "ghost"' }));
    await expect(registry.remove('ghost')).rejects.toMatchObject({ code: 'not-found' });
    expect(() => registry.update('bob5', { name: 'bob4' })).toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  it('a bad topic or payload is invalid input, checked before sending', async () => {
    const client = registry.get('wrong5');
    await expect(client.publish({ topic: 'lab/+' })).rejects.toMatchObject({ code: 'invalid-input', issues: [{ path: 'topic' }] });
    await expect(client.publish({ topic: 'lab/x', payload: { format: 'hex', data: 'xyz' } })).rejects.toMatchObject({ code: 'invalid-input', issues: [{ path: 'payload.data' }] });
    await expect(client.subscribe({ filter: 'lab/#/x' })).rejects.toMatchObject({ code: 'invalid-input', issues: [{ path: 'filter' }] });
  });
});

describe('will and assigned client ids', () => {
  it('an ungraceful end delivers the will; a clean disconnect does not', async () => {
    const watcher = registry.get('wrong5');
    const seen: string[] = [];
    watcher.on('message', (m) => seen.push(`${m.topic}=${m.payload.toString()}`));
    await watcher.subscribe({ filter: 'lab/wills/#', qos: 1 });
    const will = { topic: 'lab/wills/w', payload: { format: 'text' as const, data: 'gone' }, qos: 1 as const };
    const polite = registry.create(profile('polite', at({ username: 'alice', password: 'wonder', will: { ...will, topic: 'lab/wills/polite' } })));
    await polite.connect();
    await polite.disconnect();
    const rude = registry.create(profile('rude', at({ username: 'alice', password: 'wonder', will })));
    await rude.connect();
    rude.close(); // no DISCONNECT: the socket just ends
    await until(() => seen.includes('lab/wills/w=gone'), 'the will of "rude"');
    expect(seen).not.toContain('lab/wills/polite=gone');
  });

  it('an empty client id gets the broker-assigned one (MQTT 5)', async () => {
    const client = registry.create(profile('anonymousId', at({ protocolVersion: 5, clientId: '', username: 'alice', password: 'wonder' })));
    await client.connect();
    const id = client.info().connectedClientId;
    expect(id).toMatch(/.+/);
    expect(id).not.toBe('anonymousId');
    expect(b.broker.getSession(id!)).toBeDefined();
    await client.disconnect();
  });
});

describe('auto-reconnect', () => {
  it('keeps trying after a failed first connect, and reconnects (and resubscribes) after a broker restart', async () => {
    const port = await closedPort();
    const client = registry.create(profile('phoenix', { host: '127.0.0.1', port, autoReconnect: true, reconnectPeriodMs: 100 }));
    const states: string[] = [];
    client.on('changed', (info) => { if (states.at(-1) !== info.state) states.push(info.state); });
    await expect(client.connect()).rejects.toMatchObject({ message: `connection refused: nothing listens on 127.0.0.1:${port}` });
    await until(() => client.info().state === 'reconnecting', 'reconnecting');
    await expect(client.publish({ topic: 'x' })).rejects.toMatchObject({ code: 'not-connected' });

    let broker = await startBroker({ tcp: { host: '127.0.0.1', port }, ws: false });
    try {
      await until(() => client.info().state === 'connected', 'connected once the broker is up', 5000);
      expect(client.info().lastError).toBeUndefined();
      await client.subscribe({ filter: 'phoenix/#', qos: 1 });
      await broker.close();
      await until(() => client.info().state === 'reconnecting', 'reconnecting after the broker stopped');
      broker = await startBroker({ tcp: { host: '127.0.0.1', port }, ws: false });
      await until(() => client.info().state === 'connected', 'connected after the restart', 5000);
      const got: string[] = [];
      client.on('message', (m) => got.push(m.payload.toString()));
      await until(() => broker.broker.getSession('phoenix') !== undefined, 'the session');
      await sleep(100); // mqtt.js resubscribes right after CONNACK
      await client.publish({ topic: 'phoenix/1', payload: { format: 'text', data: 'back' }, qos: 1 });
      await until(() => got.includes('back'), 'the resubscribed message');
      expect(states).toEqual(expect.arrayContaining(['connecting', 'reconnecting', 'connected']));
      await client.disconnect();
      expect(client.info().state).toBe('disconnected');
      await sleep(300);
      expect(client.info().state).toBe('disconnected');
    } finally {
      await broker.close();
    }
  });
});
