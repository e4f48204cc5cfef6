// WebSocket to the embedded broker; a separate "outside" broker by host and port, plain and behind TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry, memoryProfileStore, type ClientMessage } from '../../main/clients/index.js';
import { startBroker, until, type TestBroker } from '../helpers/broker.js';
import { embeddedOf, profile } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mqttwb-tls-'));
const keyFile = join(dir, 'key.pem');
const certFile = join(dir, 'cert.pem');

let embedded: TestBroker;
let outside: TestBroker;
let tlsServer: Server;
let tlsPort: number;
let registry: ClientRegistry;
const messages: Array<{ name: string } & ClientMessage> = [];

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  [embedded, outside] = await Promise.all([startBroker(), startBroker()]);
  tlsServer = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (socket) => {
    outside.broker.accept(socket, socket.remoteAddress ?? '127.0.0.1');
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  tlsPort = (tlsServer.address() as { port: number }).port;
  registry = new ClientRegistry({ store: memoryProfileStore(), embedded: () => embeddedOf(embedded) });
  registry.on('message', (name, m) => messages.push({ name, ...m }));
});
afterAll(async () => {
  await registry.closeAll();
  await new Promise((resolve) => tlsServer.close(resolve));
  await Promise.all([embedded.close(), outside.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Subscribes the client to a topic of its own, publishes to it and waits for the echo. */
async function echo(name: string): Promise<void> {
  const client = registry.get(name);
  const topic = `echo/${name}`;
  await client.subscribe({ filter: topic, qos: 1 });
  await client.publish({ topic, payload: { format: 'text', data: name }, qos: 1 });
  await until(() => messages.some((m) => m.name === name && m.topic === topic && m.payload.toString() === name), `the echo on ${name}`);
}

describe('transports', () => {
  it('WebSocket to the embedded broker', async () => {
    const client = registry.create(profile('ws1', { transport: 'ws' }));
    await client.connect();
    expect(client.info()).toMatchObject({ state: 'connected', url: `ws://127.0.0.1:${embedded.wsPort}/mqtt` });
    await echo('ws1');
    expect(embedded.broker.getSession('ws1')).toBeDefined();
    await client.disconnect();
  });

  it('an outside broker by host and port', async () => {
    const client = registry.create(profile('out1', { host: '127.0.0.1', port: outside.port, protocolVersion: 5 }));
    await client.connect();
    expect(client.info().url).toBe(`mqtt://127.0.0.1:${outside.port}`);
    await echo('out1');
    expect(outside.broker.getSession('out1')).toBeDefined();
    expect(embedded.broker.getSession('out1')).toBeUndefined();
    await client.disconnect();
  });

  it('TLS with a self-signed certificate is refused unless allowed', async () => {
    const client = registry.create(profile('tls1', { host: '127.0.0.1', port: tlsPort, transport: 'tls' }));
    const message = 'TLS: self-signed certificate — tick allow self-signed to accept it';
    await expect(client.connect()).rejects.toMatchObject({ code: 'mqtt-error', message });
    expect(client.info()).toMatchObject({ state: 'error', lastError: message, url: `mqtts://127.0.0.1:${tlsPort}` });

    registry.update('tls1', { tls: { allowSelfSigned: true } });
    await client.connect();
    expect(client.info()).toMatchObject({ state: 'connected' });
    expect(client.info().lastError).toBeUndefined();
    await echo('tls1');
    await client.disconnect();
  });

  it('TLS verified against the certificate as CA file', async () => {
    const client = registry.create(profile('tls2', { host: '127.0.0.1', port: tlsPort, transport: 'tls', tls: { caFile: certFile } }));
    await client.connect();
    await echo('tls2');
    expect(outside.broker.getSession('tls2')).toBeDefined();
    await client.disconnect();
  });

  it('TLS to a plain MQTT port fails readably', async () => {
    const client = registry.create(profile('tls3', { host: '127.0.0.1', port: outside.port, transport: 'tls', tls: { allowSelfSigned: true } }));
    await expect(client.connect()).rejects.toMatchObject({ code: 'mqtt-error', message: expect.stringMatching(/^TLS handshake with 127\.0\.0\.1:\d+ failed/) });
    expect(client.info().state).toBe('error');
  });

  it('a WebSocket path the broker does not serve fails readably', async () => {
    const client = registry.create(profile('ws2', { host: '127.0.0.1', port: embedded.wsPort, transport: 'ws', path: '/nothing-here' }));
    const error = await client.connect().then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'mqtt-error', message: expect.stringMatching(/^WebSocket: the server answered HTTP 4\d\d — check the host, port and path$/) });
    expect(client.info().state).toBe('error');
    expect(client.info().lastError).toBe((error as Error).message);
  });
});
