import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectOptions, type EmbeddedTarget } from '../../main/clients/index.js';
import type { ClientProfile } from '../../shared/contract/clients.js';
import { profile } from './helpers.js';

const embedded: EmbeddedTarget = { tcp: { host: '127.0.0.1', port: 41883 }, ws: { host: '127.0.0.1', port: 48080, path: '/mqtt' } };
const dir = mkdtempSync(join(tmpdir(), 'mqttwb-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(p: ClientProfile, password?: string, target = embedded) {
  return connectOptions(p, password, target).then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e);
}

describe('connect options: where to connect', () => {
  it('without a host: the embedded broker, by transport', async () => {
    expect((await connectOptions(profile('c'), undefined, embedded)).url).toBe('mqtt://127.0.0.1:41883');
    expect((await connectOptions(profile('c', { transport: 'ws' }), undefined, embedded)).url).toBe('ws://127.0.0.1:48080/mqtt');
  });

  it('an embedded listener on every interface is reached over loopback', async () => {
    const wild: EmbeddedTarget = { tcp: { host: '0.0.0.0', port: 1 }, ws: { host: '::', port: 2, path: '/m' } };
    expect((await connectOptions(profile('c'), undefined, wild)).url).toBe('mqtt://127.0.0.1:1');
    expect((await connectOptions(profile('c', { transport: 'ws' }), undefined, wild)).url).toBe('ws://[::1]:2/m');
  });

  it('TLS to the embedded broker, or a stopped embedded broker, is a readable error', async () => {
    for (const transport of ['tls', 'wss'] as const) {
      expect(await rejection(profile('c', { transport }))).toMatchObject({
        code: 'invalid-input', message: 'the embedded broker has no TLS listener; set a host and port', issues: [{ path: 'host' }],
      });
    }
    expect(await rejection(profile('c'), undefined, {})).toMatchObject({ code: 'mqtt-error', message: expect.stringMatching(/not listening on TCP/) });
    expect(await rejection(profile('c', { transport: 'ws' }), undefined, {})).toMatchObject({ message: expect.stringMatching(/not listening on WebSocket/) });
  });

  it('with a host: default ports per transport, the WebSocket path, IPv6 in brackets', async () => {
    const url = async (fields: Parameters<typeof profile>[1]) => (await connectOptions(profile('c', fields), undefined, {})).url;
    expect(await url({ host: 'broker.example' })).toBe('mqtt://broker.example:1883');
    expect(await url({ host: 'broker.example', transport: 'tls', tls: { allowSelfSigned: false } })).toBe('mqtts://broker.example:8883');
    expect(await url({ host: 'broker.example', transport: 'ws' })).toBe('ws://broker.example:80/mqtt');
    expect(await url({ host: 'broker.example', transport: 'wss', path: '/ws' })).toBe('wss://broker.example:443/ws');
    expect(await url({ host: 'broker.example', port: 1884 })).toBe('mqtt://broker.example:1884');
    expect(await url({ host: '::1', port: 1884 })).toBe('mqtt://[::1]:1884');
  });
});

describe('connect options: CONNECT fields', () => {
  it('maps the basics; the client id defaults to the name; no reconnects unless asked', async () => {
    const { options } = await connectOptions(profile('myClient1', { keepAlive: 17, cleanStart: false, connectTimeoutMs: 1234 }), undefined, embedded);
    expect(options).toMatchObject({ clientId: 'myClient1', protocolVersion: 4, clean: false, keepalive: 17, reconnectPeriod: 0, connectTimeout: 1234 });
    expect(options.username).toBeUndefined();
    expect(options.password).toBeUndefined();
    expect(options.properties).toBeUndefined();
    const again = await connectOptions(profile('c', { autoReconnect: true, reconnectPeriodMs: 750, clientId: 'other' }), undefined, embedded);
    expect(again.options).toMatchObject({ reconnectPeriod: 750, clientId: 'other' });
  });

  it('an empty client id needs clean start', async () => {
    expect((await connectOptions(profile('c', { clientId: '' }), undefined, embedded)).options.clientId).toBe('');
    expect(await rejection(profile('c', { clientId: '', cleanStart: false }))).toMatchObject({ code: 'invalid-input', issues: [{ path: 'clientId' }] });
  });

  it('user name and password; 3.1.1 refuses a password alone', async () => {
    const { options } = await connectOptions(profile('c', { username: 'alice' }), 'wonder', embedded);
    expect(options).toMatchObject({ username: 'alice', password: 'wonder' });
    expect(await rejection(profile('c'), 'secret')).toMatchObject({ code: 'invalid-input', issues: [{ path: 'username' }] });
    expect((await connectOptions(profile('c', { protocolVersion: 5 }), 'secret', embedded)).options.password).toBe('secret');
  });

  it('will: payload bytes, QoS, retain; the MQTT 5 delay interval as a will property', async () => {
    const will = { topic: 'status/c', payload: { format: 'hex', data: '6f 66 66' }, qos: 1, retain: true, delayInterval: 5 } as const;
    const v5 = await connectOptions(profile('c', { protocolVersion: 5, will }), undefined, embedded);
    expect(v5.options.will).toEqual({ topic: 'status/c', payload: Buffer.from('off'), qos: 1, retain: true, properties: { willDelayInterval: 5 } });
    const v4 = await connectOptions(profile('c', { will }), undefined, embedded);
    expect(v4.options.will).toEqual({ topic: 'status/c', payload: Buffer.from('off'), qos: 1, retain: true });
    const bad = await rejection(profile('c', { will: { topic: 'x', payload: { format: 'hex', data: 'zz' } } }));
    expect(bad).toMatchObject({ code: 'invalid-input', issues: [{ path: 'will.payload.data' }] });
  });

  it('MQTT 5 session expiry and user properties (a repeated key keeps its values in order); none for 3.1.1', async () => {
    const fields = { sessionExpiryInterval: 300, userProperties: [['site', 'a'], ['rack', '7'], ['site', 'b']] as Array<[string, string]> };
    const v5 = await connectOptions(profile('c', { protocolVersion: 5, ...fields }), undefined, embedded);
    expect(v5.options.properties).toEqual({ sessionExpiryInterval: 300, userProperties: { site: ['a', 'b'], rack: '7' } });
    const v4 = await connectOptions(profile('c', fields), undefined, embedded);
    expect(v4.options.properties).toBeUndefined();
  });
});

describe('connect options: TLS', () => {
  it('reads the CA, certificate and key files; allow self-signed switches verification off', async () => {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-- ${f} --`);
    const tls = { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), allowSelfSigned: false };
    const { options } = await connectOptions(profile('c', { host: 'h', transport: 'tls', tls }), undefined, {});
    expect(options).toMatchObject({ ca: Buffer.from('-- ca.pem --'), cert: Buffer.from('-- cert.pem --'), key: Buffer.from('-- key.pem --'), rejectUnauthorized: true });
    const lax = await connectOptions(profile('c', { host: 'h', transport: 'wss', tls: { allowSelfSigned: true } }), undefined, {});
    expect(lax.options.rejectUnauthorized).toBe(false);
    const plain = await connectOptions(profile('c', { host: 'h', tls }), undefined, {});
    expect(plain.options.ca).toBeUndefined();
  });

  it('a missing file is named; a certificate needs its key', async () => {
    const missing = join(dir, 'missing-ca.pem');
    expect(await rejection(profile('c', { host: 'h', transport: 'tls', tls: { caFile: missing } }))).toMatchObject({
      code: 'invalid-input', message: `cannot read the CA certificate "${missing}": no such file`, issues: [{ path: 'tls.caFile' }],
    });
    writeFileSync(join(dir, 'only-cert.pem'), 'x');
    expect(await rejection(profile('c', { host: 'h', transport: 'tls', tls: { certFile: join(dir, 'only-cert.pem') } })))
      .toMatchObject({ issues: [{ path: 'tls.keyFile' }] });
  });
});
