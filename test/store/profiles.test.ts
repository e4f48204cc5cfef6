// Client profiles and their encrypted passwords, on real files: the database and the key file.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClientProfile, ClientProfileInput, type ClientProfileInput as ProfileInput } from '../../shared/contract/clients.js';
import { ProfileStore } from '../../main/store/profiles.js';
import { KEY_BYTES, fileKeyProvider, memoryKeyProvider } from '../../main/store/secrets.js';
import { tempWorkbench } from './traffic-fixtures.js';

let temp: ReturnType<typeof tempWorkbench>;
let keyFile: string;
beforeEach(() => {
  temp = tempWorkbench('profiles');
  keyFile = join(temp.dir, 'keys', 'secret.key');
});
afterEach(() => temp.cleanup());

const profile = (input: ProfileInput): ClientProfile => ClientProfileInput.parse(input);
const PASSWORD = 'correct horse battery staple ÜNIQUE-7f3a';

/** A store on a freshly opened connection, so what it returns came out of the file. */
function reopen(key = fileKeyProvider(keyFile)): ProfileStore {
  return new ProfileStore(temp.open(temp.file), key);
}

describe('ProfileStore', () => {
  it('gives back every profile in creation order, without passwords, after the file is opened again', () => {
    const store = new ProfileStore(temp.open(), fileKeyProvider(keyFile));
    const full = profile({
      name: 'sensor-1', clientId: 'dev-1', protocolVersion: 5, transport: 'wss', host: 'broker.example', port: 8884,
      path: '/ws', cleanStart: false, keepAlive: 30, username: 'u', password: PASSWORD,
      will: { topic: 'dev/1/status', payload: { format: 'text', data: 'gone' }, qos: 1, retain: true, delayInterval: 5 },
      sessionExpiryInterval: 3600, userProperties: [['site', 'a'], ['site', 'b']],
      tls: { caFile: '/ca.pem', allowSelfSigned: true }, autoReconnect: true, reconnectPeriodMs: 500, connectTimeoutMs: 2000,
    });
    const minimal = profile({ name: 'probe' });
    store.save(minimal);
    store.save(full);
    store.save(profile({ name: 'third' }));
    store.save({ ...minimal, keepAlive: 5 }); // a replace keeps its place

    const { password: _, ...fullWithoutPassword } = full;
    expect(reopen().list()).toStrictEqual([{ ...minimal, keepAlive: 5 }, fullWithoutPassword, profile({ name: 'third' })]);
    expect(reopen().list().every((p) => !('password' in p))).toBe(true);
  });

  it('stores the password encrypted: its bytes are nowhere in the database file or its WAL', () => {
    const db = temp.open();
    const store = new ProfileStore(db, fileKeyProvider(keyFile));
    store.save(profile({ name: 'a', password: PASSWORD }));
    store.save(profile({ name: 'b', password: PASSWORD }));
    const sealed = db.prepare<[], Buffer>('SELECT password FROM client_profiles ORDER BY seq').pluck().all();
    expect(sealed[0].equals(sealed[1])).toBe(false); // a random IV per value
    expect(sealed[0].length).toBe(1 + 12 + 16 + Buffer.byteLength(PASSWORD));

    const files = () => [temp.file, `${temp.file}-wal`].map((f) => { try { return readFileSync(f); } catch { return Buffer.alloc(0); } });
    const plain = [Buffer.from(PASSWORD, 'utf8'), Buffer.from(PASSWORD, 'utf16le'), Buffer.from('ÜNIQUE-7f3a')];
    for (const bytes of files()) for (const p of plain) expect(bytes.includes(p)).toBe(false); // before a checkpoint
    db.pragma('wal_checkpoint(TRUNCATE)');
    const [main] = files();
    expect(main.includes(Buffer.from('correct'))).toBe(false);
    expect(main.includes(Buffer.from('"name"'))).toBe(false); // name is a column, not in the JSON
    expect(main.includes(Buffer.from('"keepAlive"'))).toBe(true); // the profiles themselves are in it, in clear
    for (const p of plain) expect(main.includes(p)).toBe(false);
    expect(reopen().password('a')).toBe(PASSWORD);
    expect(reopen().password('b')).toBe(PASSWORD);
  });

  it('keeps the stored password for undefined, clears it for "", replaces it otherwise', () => {
    const store = new ProfileStore(temp.open(), fileKeyProvider(keyFile));
    store.save(profile({ name: 'c', password: PASSWORD }));
    store.save(profile({ name: 'c', keepAlive: 10 }));
    expect(reopen().hasPassword('c')).toBe(true);
    expect(reopen().password('c')).toBe(PASSWORD);
    expect(reopen().list()[0].keepAlive).toBe(10);

    store.save(profile({ name: 'c', password: 'other' }));
    expect(reopen().password('c')).toBe('other');

    store.save(profile({ name: 'c', password: '' }));
    expect(reopen().hasPassword('c')).toBe(false);
    expect(reopen().password('c')).toBeUndefined();
    expect(reopen().password('nobody')).toBeUndefined();
    expect(reopen().hasPassword('nobody')).toBe(false);
  });

  it('renames keeping the password and the place; refuses a taken or missing name; removes', () => {
    const store = new ProfileStore(temp.open(), fileKeyProvider(keyFile));
    store.save(profile({ name: 'one', password: PASSWORD }));
    store.save(profile({ name: 'two' }));
    store.rename('one', 'uno');
    expect(reopen().list().map((p) => p.name)).toStrictEqual(['uno', 'two']);
    expect(reopen().password('uno')).toBe(PASSWORD);
    expect(reopen().hasPassword('one')).toBe(false);
    expect(() => store.rename('uno', 'two')).toThrow('cannot rename client "uno" to "two": a client named "two" already exists');
    expect(() => store.rename('none', 'x')).toThrow('cannot rename client "none": there is no client by that name');
    store.rename('two', 'two');
    store.remove('uno');
    store.remove('uno'); // removing what is not there is fine
    expect(reopen().list().map((p) => p.name)).toStrictEqual(['two']);
  });

  it('fills in defaults a profile saved without them lacks', () => {
    const db = temp.open();
    db.prepare("INSERT INTO client_profiles (name, profile) VALUES ('old', '{\"transport\":\"ws\"}')").run();
    const [old] = new ProfileStore(db, memoryKeyProvider()).list();
    expect(old).toMatchObject({ name: 'old', transport: 'ws', protocolVersion: 4, keepAlive: 60, path: '/mqtt' });
  });
});

describe('password keys', () => {
  it('creates a 32-byte key file with mode 0600 and reads the same key back later', () => {
    const key = fileKeyProvider(keyFile).key();
    expect(key.length).toBe(KEY_BYTES);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile).equals(key)).toBe(true);
    expect(fileKeyProvider(keyFile).key().equals(key)).toBe(true);
    expect(fileKeyProvider(keyFile).describe).toBe(`passwords are encrypted with the key in ${keyFile}`);
  });

  it('with another key file, password() says which key and what to do; list() and hasPassword() still work', () => {
    const store = new ProfileStore(temp.open(), fileKeyProvider(keyFile));
    store.save(profile({ name: 'p', password: PASSWORD }));
    const otherKey = join(temp.dir, 'other.key');
    const other = reopen(fileKeyProvider(otherKey));
    expect(() => other.password('p')).toThrow(
      `cannot decrypt the saved password of client "p": passwords are encrypted with the key in ${otherKey}, ` +
        'but it was saved with another key (was the key replaced or lost?); enter the password again to save it with the current key',
    );
    expect(other.list().map((p) => p.name)).toStrictEqual(['p']);
    expect(other.hasPassword('p')).toBe(true);
    other.save(profile({ name: 'p', password: 'new' })); // saving again with the new key repairs it
    expect(reopen(fileKeyProvider(otherKey)).password('p')).toBe('new');
  });

  it('refuses a key file of the wrong size, naming it, and leaves it alone', () => {
    mkdirSync(join(keyFile, '..'), { recursive: true });
    writeFileSync(keyFile, Buffer.alloc(17, 1));
    const provider = fileKeyProvider(keyFile);
    expect(() => provider.key()).toThrow(`the password key file ${keyFile} holds 17 bytes, but a password key is exactly 32`);
    const store = new ProfileStore(temp.open(), provider);
    expect(() => store.save(profile({ name: 'p', password: 'x' }))).toThrow(
      `cannot save the password of client "p": the password key file ${keyFile} holds 17 bytes`,
    );
    store.save(profile({ name: 'q' })); // without a password, no key is needed
    expect(reopen(provider).list().map((p) => p.name)).toStrictEqual(['q']);
    expect(readFileSync(keyFile)).toStrictEqual(Buffer.alloc(17, 1));
  });

  it('says which key file it cannot read', () => {
    mkdirSync(keyFile, { recursive: true }); // a folder where the file should be
    expect(() => fileKeyProvider(keyFile).key()).toThrow(new RegExp(`^the password key file ${keyFile} cannot be read \\(EISDIR`));
  });

  it('a memory key works for as long as the process runs', () => {
    const key = memoryKeyProvider();
    const store = new ProfileStore(temp.open(), key);
    store.save(profile({ name: 'm', password: PASSWORD }));
    expect(reopen(key).password('m')).toBe(PASSWORD);
    expect(() => reopen(memoryKeyProvider()).password('m')).toThrow(/saved with another key/);
  });
});
