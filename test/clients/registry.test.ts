// The registry over a profile store: names, rename, clone, remove, passwords, events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry, memoryProfileStore, type ProfileStoreLike } from '../../main/clients/index.js';
import type { ClientInfo } from '../../shared/contract/clients.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { embeddedOf, profile } from './helpers.js';

let b: TestBroker;
beforeAll(async () => {
  b = await startBroker();
});
afterAll(() => b.close());

function setup(store: ProfileStoreLike = memoryProfileStore()) {
  const registry = new ClientRegistry({ store, embedded: () => embeddedOf(b) });
  const changed: ClientInfo[] = [];
  const removed: string[] = [];
  registry.on('changed', (info) => changed.push(info));
  registry.on('removed', (name) => removed.push(name));
  return { registry, store, changed, removed };
}

describe('memoryProfileStore', () => {
  it('keeps, clears and renames passwords as the store contract says', () => {
    const store = memoryProfileStore();
    store.save(profile('a', { password: 'p1' }));
    expect(store.list()).toEqual([profile('a')]);
    expect(store.list()[0]).not.toHaveProperty('password');
    expect(store.password('a')).toBe('p1');
    store.save(profile('a', { host: 'h' }));
    expect(store.password('a')).toBe('p1');
    store.rename('a', 'b');
    expect(store.list().map((p) => [p.name, p.host])).toEqual([['b', 'h']]);
    expect(store.hasPassword('b')).toBe(true);
    expect(store.hasPassword('a')).toBe(false);
    store.save(profile('b', { password: '' }));
    expect(store.hasPassword('b')).toBe(false);
    store.save(profile('c'));
    expect(() => store.rename('b', 'c')).toThrow(/already exists/);
    store.remove('b');
    expect(store.list().map((p) => p.name)).toEqual(['c']);
  });
});

describe('ClientRegistry', () => {
  it('loads the stored profiles at start, all disconnected', () => {
    const store = memoryProfileStore([profile('one'), profile('two', { protocolVersion: 5, password: 'x' })]);
    const { registry } = setup(store);
    expect(registry.list().map((i) => [i.profile.name, i.state, i.profile.hasPassword])).toEqual([
      ['one', 'disconnected', false], ['two', 'disconnected', true],
    ]);
  });

  it('names: myClient1, myClient2, … skipping taken ones', () => {
    const { registry } = setup();
    expect(registry.nextName()).toBe('myClient1');
    registry.create(profile('myClient1'));
    registry.create(profile('myClient3'));
    expect(registry.nextName()).toBe('myClient2');
    registry.create(profile('myClient2'));
    expect(registry.nextName()).toBe('myClient4');
  });

  it('create announces the client and stores the profile with its password', () => {
    const { registry, store, changed } = setup();
    const client = registry.create(profile('a', { username: 'u', password: 'secret' }));
    expect(changed.at(-1)).toMatchObject({ profile: { name: 'a', username: 'u', hasPassword: true }, state: 'disconnected' });
    expect(changed.at(-1)?.profile).not.toHaveProperty('password');
    expect(client.profile).not.toHaveProperty('password');
    expect(store.password('a')).toBe('secret');
  });

  it('update: fields, password keep/clear, rename (keeping order and password)', () => {
    const { registry, store, changed, removed } = setup();
    registry.create(profile('a', { password: 'secret' }));
    registry.create(profile('b'));
    registry.update('a', { keepAlive: 5 });
    expect(registry.get('a').profile.keepAlive).toBe(5);
    expect(store.password('a')).toBe('secret');
    const renamed = registry.update('a', { name: 'z', host: 'example' });
    expect(renamed.name).toBe('z');
    expect(removed).toEqual(['a']);
    expect(changed.at(-1)).toMatchObject({ profile: { name: 'z', host: 'example', hasPassword: true } });
    expect(registry.list().map((i) => i.profile.name)).toEqual(['z', 'b']);
    expect(store.list().map((p) => p.name)).toEqual(['z', 'b']);
    expect(() => registry.get('a')).toThrow(expect.objectContaining({ code: 'not-found' }));
    registry.update('z', { password: '' });
    expect(store.hasPassword('z')).toBe(false);
    expect(registry.get('z').info().profile.hasPassword).toBe(false);
  });

  it('clone: the next number or -copy; its own client id unless the original had another', () => {
    const { registry, store } = setup();
    registry.create(profile('myClient1', { password: 'pw', keepAlive: 9 }));
    const copy = registry.clone('myClient1');
    expect(copy.profile).toMatchObject({ name: 'myClient2', keepAlive: 9 });
    expect(copy.profile.clientId).toBeUndefined();
    expect(store.password('myClient2')).toBe('pw');
    registry.create(profile('sensor', { clientId: 'device-7' }));
    expect(registry.clone('sensor').profile).toMatchObject({ name: 'sensor-copy', clientId: 'device-7' });
    expect(registry.clone('sensor').name).toBe('sensor-copy2');
    registry.create(profile('gw', { clientId: 'gw' }));
    expect(registry.clone('gw', 'gw-b').profile.clientId).toBeUndefined();
    expect(() => registry.clone('gw', 'sensor')).toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  it('an edited profile takes effect at the next connect', async () => {
    const { registry } = setup();
    const client = registry.create(profile('edit1'));
    await client.connect();
    registry.update('edit1', { clientId: 'edited-id', protocolVersion: 5 });
    expect(client.info()).toMatchObject({ state: 'connected', connectedClientId: 'edit1' });
    await client.disconnect();
    const sent: Array<{ cmd: string; protocolVersion?: number }> = [];
    client.on('packet', (e) => { if (e.direction === 'out') sent.push(e.packet as { cmd: string }); });
    await client.connect();
    expect(client.info()).toMatchObject({ state: 'connected', connectedClientId: 'edited-id' });
    expect(b.broker.getSession('edited-id')).toBeDefined();
    expect(sent[0]).toMatchObject({ cmd: 'connect', protocolVersion: 5, clientId: 'edited-id' });
    await registry.closeAll();
  });

  it('remove disconnects first (cleanly), then forgets the client and its profile', async () => {
    const { registry, store, removed } = setup();
    const client = registry.create(profile('gone1', { will: { topic: 'wills/gone1', payload: { format: 'text', data: 'x' } } }));
    await client.connect();
    const packets: string[] = [];
    registry.on('packet', (name, e) => packets.push(`${name} ${e.direction} ${e.packet.cmd}`));
    await registry.remove('gone1');
    expect(packets).toContain('gone1 out disconnect');
    expect(removed).toEqual(['gone1']);
    expect(store.list()).toEqual([]);
    expect(registry.list()).toEqual([]);
    expect(client.info().state).toBe('disconnected');
  });

  it('store failures become io-errors with the store\'s message', () => {
    const store = memoryProfileStore();
    const failing: ProfileStoreLike = { ...store, save: () => { throw new Error('disk full'); }, password: () => { throw new Error('key lost'); }, hasPassword: () => true };
    const { registry } = setup(failing);
    expect(() => registry.create(profile('x'))).toThrow(expect.objectContaining({ code: 'io-error', message: 'disk full' }));
    expect(registry.list()).toEqual([]);
  });

  it('a stored password that cannot be decrypted fails the connect readably', async () => {
    const store = memoryProfileStore([profile('locked')]);
    const { registry } = setup({ ...store, password: () => { throw new Error('the key was replaced'); } });
    await expect(registry.get('locked').connect()).rejects.toMatchObject({
      code: 'io-error', message: 'the stored password of "locked" cannot be read: the key was replaced',
    });
    expect(registry.get('locked').info().state).toBe('disconnected');
  });
});
