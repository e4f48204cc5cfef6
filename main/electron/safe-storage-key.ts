// The password key of the desktop app, sealed with Electron's safeStorage (Keychain, DPAPI, libsecret/
// kwallet). Plain Node: the caller passes safeStorage in, so tests use a fake.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileKeyProvider, KEY_BYTES, type KeyProvider } from '../store/secrets.js';

/** The part of Electron's safeStorage we use. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
  /** Linux only: 'basic_text' means no keyring, only a password compiled into Electron. */
  getSelectedStorageBackend?(): string;
}

export const SEALED_KEY_FILE = 'secret.key.safe';
export const PLAIN_KEY_FILE = 'secret.key';

/**
 * safeStorage when the OS really offers it; otherwise the key file of headless mode (mode 0600) and a
 * describe line that says so. Call after app 'ready' (safeStorage answers only then on Linux).
 */
export function safeStorageKeyProvider(dataDir: string, safeStorage: SafeStorageLike): KeyProvider {
  const sealedFile = resolve(join(dataDir, SEALED_KEY_FILE));
  const plainFile = resolve(join(dataDir, PLAIN_KEY_FILE));
  if (!osEncryptionAvailable(safeStorage)) {
    if (existsSync(sealedFile)) return unavailableSealedKey(sealedFile);
    const file = fileKeyProvider(plainFile);
    return {
      describe: `${file.describe} (the system offers Electron no keychain here)`,
      key: () => file.key(),
    };
  }
  let cached: Buffer | undefined;
  return {
    describe: `passwords are encrypted with a key kept in ${sealedFile}, sealed by the system keychain`,
    key() {
      cached ??= readOrCreateSealedKey(sealedFile, plainFile, safeStorage);
      return cached;
    },
  };
}

function osEncryptionAvailable(safeStorage: SafeStorageLike): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  // basic_text "encrypts" with a constant password: no better than the 0600 file, and it hides that.
  return safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
}

function readOrCreateSealedKey(sealedFile: string, plainFile: string, safeStorage: SafeStorageLike): Buffer {
  if (existsSync(sealedFile)) return unseal(sealedFile, safeStorage);
  // A key from a run without a keychain: seal that one, so passwords saved then still open.
  const key = existsSync(plainFile) ? fileKeyProvider(plainFile).key() : randomBytes(KEY_BYTES);
  const written = writeNew(sealedFile, safeStorage.encryptString(key.toString('base64')));
  if (!written) return unseal(sealedFile, safeStorage);
  if (existsSync(plainFile)) rmSync(plainFile);
  return key;
}

function unseal(sealedFile: string, safeStorage: SafeStorageLike): Buffer {
  let key: Buffer;
  try {
    key = Buffer.from(safeStorage.decryptString(readFileSync(sealedFile)), 'base64');
  } catch (error) {
    throw new Error(
      `the password key in ${sealedFile} cannot be unsealed by the system keychain (${error instanceof Error ? error.message : String(error)}); ` +
        'saved passwords cannot be read — unlock the keychain and restart, or move the file away to start with a new key',
      { cause: error },
    );
  }
  if (key.length !== KEY_BYTES) throw new Error(`the password key in ${sealedFile} is not a ${KEY_BYTES}-byte key; move the file away to start with a new key`);
  return key;
}

/** The sealed key exists but the keychain is gone (e.g. no keyring on this Linux session): say so, never replace it. */
function unavailableSealedKey(sealedFile: string): KeyProvider {
  const message = `the password key in ${sealedFile} is sealed by the system keychain, which is not available now; ` +
    'saved passwords cannot be read until it is (unlock it and restart)';
  return { describe: message, key: () => { throw new Error(message); } };
}

/** 'wx': if another instance wrote the key meanwhile, false (then its key is the one to use). */
function writeNew(file: string, bytes: Buffer): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return true;
}
