import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclFile, createAuth, PasswordFile } from '../../main/broker/index.js';
import { collect, connect, end, sleep, startBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw.js';

// The $7$ format mosquitto_passwd 2.x writes: PBKDF2-HMAC-SHA512, 101 rounds, 12-byte salt.
function mosquittoHash(password: string): string {
  const salt = randomBytes(12);
  return `$7$101$${salt.toString('base64')}$${pbkdf2Sync(password, salt, 101, 64, 'sha512').toString('base64')}`;
}
const dir = mkdtempSync(join(tmpdir(), 'mqttwb-auth-'));
const passwords = join(dir, 'passwords');
const acl = join(dir, 'acl');

let b: TestBroker;
beforeAll(async () => {
  writeFileSync(passwords, [
    `alice:${mosquittoHash('wonder')}`,
    `bob:${mosquittoHash('builder')}`,
  ].join('\n'));
  writeFileSync(acl, [
    'user alice',
    'topic readwrite lab/#',
    'topic read $SYS/#',
    'user bob',
    'topic write lab/bob/#',
    'pattern read clients/%u/#',
  ].join('\n'));
  b = await startBroker({ auth: createAuth({ passwordFile: PasswordFile.load(passwords), aclFile: AclFile.load(acl) }) });
});
afterAll(() => b.close());

describe('09-auth', () => {
  it('3.1.1: a wrong password gets return code 4, no credentials return code 5', async () => {
    const wrong = await RawClient.open(b.port);
    wrong.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'w', clean: true, keepalive: 30, username: 'alice', password: Buffer.from('nope') });
    expect((await wrong.expect('connack')).returnCode).toBe(4);
    const anonymous = await RawClient.open(b.port);
    anonymous.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'a', clean: true, keepalive: 30 });
    expect((await anonymous.expect('connack')).returnCode).toBe(5);
  });

  it('MQTT 5: a wrong password gets 0x86, no credentials 0x87', async () => {
    await expect(connect(b.url, { protocolVersion: 5, username: 'bob', password: 'x' })).rejects.toMatchObject({ code: 0x86 });
    await expect(connect(b.url, { protocolVersion: 5 })).rejects.toMatchObject({ code: 0x87 });
  });

  it('ACL: denied subscriptions get 0x80 (3.1.1) / 0x87 (5); allowed ones are granted', async () => {
    const v4 = await RawClient.open(b.port);
    await v4.handshake('bob-4', 4, { username: 'bob', password: Buffer.from('builder') });
    v4.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lab/#', qos: 1 }, { topic: 'clients/bob/#', qos: 1 }] });
    expect((await v4.expect('suback')).granted).toEqual([0x80, 1]);
    const v5 = await RawClient.open(b.port, 5);
    await v5.handshake('bob-5', 5, { username: 'bob', password: Buffer.from('builder') });
    v5.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lab/#', qos: 1 }] }, 5);
    expect((await v5.expect('suback')).granted).toEqual([0x87]);
    v4.destroy();
    v5.destroy();
  });

  it('ACL: a denied publish is dropped (3.1.1, still acknowledged) or refused with 0x87 (5)', async () => {
    const alice = await connect(b.url, { clientId: 'alice', username: 'alice', password: 'wonder' });
    const got = collect(alice);
    await alice.subscribeAsync('lab/#', { qos: 1 });
    const v4 = await RawClient.open(b.port);
    await v4.handshake('bob-pub-4', 4, { username: 'bob', password: Buffer.from('builder') });
    v4.send({ cmd: 'publish', topic: 'lab/alice/x', payload: Buffer.from('denied'), qos: 1, messageId: 1, retain: false, dup: false });
    expect((await v4.expect('puback')).messageId).toBe(1);
    v4.send({ cmd: 'publish', topic: 'lab/bob/x', payload: Buffer.from('allowed'), qos: 1, messageId: 2, retain: false, dup: false });
    await v4.expect('puback');
    const v5 = await RawClient.open(b.port, 5);
    await v5.handshake('bob-pub-5', 5, { username: 'bob', password: Buffer.from('builder') });
    v5.send({ cmd: 'publish', topic: 'lab/alice/y', payload: Buffer.from('denied'), qos: 1, messageId: 1, retain: false, dup: false }, 5);
    expect((await v5.expect('puback')).reasonCode).toBe(0x87);
    await got.count(1);
    await sleep(150);
    expect(got.messages.map((m) => m.payload)).toEqual(['allowed']);
    v4.destroy();
    v5.destroy();
    await end(alice);
  });

  it('clients cannot publish to $SYS/', async () => {
    const alice = await connect(b.url, { clientId: 'alice-sys', username: 'alice', password: 'wonder', protocolVersion: 5 });
    const got = collect(alice);
    await alice.subscribeAsync('$SYS/#');
    const raw = await RawClient.open(b.port, 5);
    await raw.handshake('sys-writer', 5, { username: 'alice', password: Buffer.from('wonder') });
    raw.send({ cmd: 'publish', topic: '$SYS/broker/uptime', payload: Buffer.from('forever'), qos: 1, messageId: 1, retain: true, dup: false }, 5);
    expect((await raw.expect('puback')).reasonCode).toBe(0x87);
    await sleep(100);
    expect(got.messages.filter((m) => m.payload === 'forever')).toHaveLength(0);
    raw.destroy();
    await end(alice);
  });
});

describe('09-auth anonymous policy', () => {
  it('loopback (the default without a password file) admits anonymous clients from 127.0.0.1 and ::1 only', () => {
    const auth = createAuth();
    expect(auth.authenticate({ clientId: 'x', remoteAddress: '127.0.0.1' })).toBe('ok');
    expect(auth.authenticate({ clientId: 'x', remoteAddress: '::ffff:127.0.0.1' })).toBe('ok');
    expect(auth.authenticate({ clientId: 'x', remoteAddress: '::1' })).toBe('ok');
    expect(auth.authenticate({ clientId: 'x', remoteAddress: '192.168.1.20' })).toBe('not authorized');
    // A user name proves nothing without a password file.
    expect(auth.authenticate({ clientId: 'x', username: 'root', remoteAddress: '10.0.0.2' })).toBe('not authorized');
    expect(createAuth({ allowAnonymous: 'always' }).authenticate({ clientId: 'x', remoteAddress: '10.0.0.2' })).toBe('ok');
  });
});
