// The desktop app's password key with a fake safeStorage: sealed round trip, fallbacks, and refusals.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLAIN_KEY_FILE, SEALED_KEY_FILE, safeStorageKeyProvider, type SafeStorageLike } from '../../main/electron/safe-storage-key.js';
import { decryptSecret, encryptSecret } from '../../main/store/secrets.js';

/** Seals by XOR with a secret byte and a marker, so a sealed file never holds the key in the clear. */
function fakeSafeStorage(available = true, backend?: string): SafeStorageLike & { sealed: number } {
  const fake = {
    sealed: 0,
    isEncryptionAvailable: () => available,
    encryptString(plain: string) {
      fake.sealed++;
      return Buffer.concat([Buffer.from('SEALED:'), Buffer.from(plain).map((b) => b ^ 0x5a)]);
    },
    decryptString(sealed: Buffer) {
      if (!sealed.subarray(0, 7).equals(Buffer.from('SEALED:'))) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(sealed.subarray(7).map((b) => b ^ 0x5a)).toString();
    },
    ...(backend ? { getSelectedStorageBackend: () => backend } : {}),
  };
  return fake;
}

describe('safeStorage key provider', () => {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'safe-key-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a 32-byte key sealed by the keychain, and the next run unseals the same key', () => {
    const storage = fakeSafeStorage();
    const first = safeStorageKeyProvider(dir, storage);
    expect(first.describe).toMatch(/keychain/);
    const key = first.key();
    expect(key).toHaveLength(32);
    expect(first.key()).toBe(key); // cached
    const file = join(dir, SEALED_KEY_FILE);
    const onDisk = readFileSync(file);
    expect(onDisk.includes(key)).toBe(false);
    expect(onDisk.includes(Buffer.from(key.toString('base64')))).toBe(false);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, PLAIN_KEY_FILE))).toBe(false);

    const second = safeStorageKeyProvider(dir, fakeSafeStorage());
    expect(second.key().equals(key)).toBe(true);
    // Round trip of a saved password through the two runs.
    expect(decryptSecret(second.key(), encryptSecret(key, 'hunter2'))).toBe('hunter2');
  });

  it('falls back to the 0600 key file, and says so, when safeStorage is unavailable', () => {
    const provider = safeStorageKeyProvider(dir, fakeSafeStorage(false));
    expect(provider.describe).toContain(join(dir, PLAIN_KEY_FILE));
    expect(provider.describe).toMatch(/no keychain/);
    const key = provider.key();
    expect(key).toHaveLength(32);
    expect(readFileSync(join(dir, PLAIN_KEY_FILE)).equals(key)).toBe(true);
    expect(existsSync(join(dir, SEALED_KEY_FILE))).toBe(false);
  });

  it('treats Linux\'s basic_text backend (a constant password) as unavailable', () => {
    const storage = fakeSafeStorage(true, 'basic_text');
    const provider = safeStorageKeyProvider(dir, storage);
    provider.key();
    expect(storage.sealed).toBe(0);
    expect(existsSync(join(dir, PLAIN_KEY_FILE))).toBe(true);
    expect(safeStorageKeyProvider(dir, fakeSafeStorage(true, 'gnome_libsecret')).describe).toMatch(/keychain/);
  });

  it('seals a key left by a run without a keychain, so passwords saved then still open', () => {
    const plain = safeStorageKeyProvider(dir, fakeSafeStorage(false)).key();
    const sealed = safeStorageKeyProvider(dir, fakeSafeStorage()).key();
    expect(sealed.equals(plain)).toBe(true);
    expect(existsSync(join(dir, PLAIN_KEY_FILE))).toBe(false);
    expect(existsSync(join(dir, SEALED_KEY_FILE))).toBe(true);
  });

  it('never replaces a sealed key when the keychain is gone: key() says why', () => {
    safeStorageKeyProvider(dir, fakeSafeStorage()).key();
    const provider = safeStorageKeyProvider(dir, fakeSafeStorage(false));
    expect(provider.describe).toMatch(/not available now/);
    expect(() => provider.key()).toThrow(/sealed by the system keychain, which is not available now/);
    expect(existsSync(join(dir, PLAIN_KEY_FILE))).toBe(false);
  });

  it('says what is wrong with a sealed key it cannot open or that is not 32 bytes', () => {
    writeFileSync(join(dir, SEALED_KEY_FILE), 'garbage');
    expect(() => safeStorageKeyProvider(dir, fakeSafeStorage()).key()).toThrow(/cannot be unsealed.*move the file away/);
    const storage = fakeSafeStorage();
    writeFileSync(join(dir, SEALED_KEY_FILE), storage.encryptString(Buffer.alloc(16).toString('base64')));
    expect(() => safeStorageKeyProvider(dir, storage).key()).toThrow(/not a 32-byte key/);
  });
});
