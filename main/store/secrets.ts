import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Where the key that encrypts saved passwords comes from. Small on purpose: the Electron face adds one
 * that keeps the key with safeStorage (the OS keychain).
 */
export interface KeyProvider {
  /** The 32-byte AES-256 key; throws an Error that says what is wrong and where. */
  key(): Buffer;
  /** A sentence for the user: "passwords are encrypted with the key in /x/secret.key". */
  readonly describe: string;
}

export const KEY_BYTES = 32;

/**
 * A key in a file of its own, next to (not inside) the database, so a copy of the database alone does
 * not reveal passwords. Created with random bytes and mode 0600 when missing; read once, then cached.
 */
export function fileKeyProvider(path: string): KeyProvider {
  const file = resolve(path);
  let cached: Buffer | undefined;
  return {
    describe: `passwords are encrypted with the key in ${file}`,
    key() {
      cached ??= readOrCreateKey(file);
      return cached;
    },
  };
}

/** A random key that lives as long as the process: for in-memory workbenches, whose profiles do too. */
export function memoryKeyProvider(): KeyProvider {
  const key = randomBytes(KEY_BYTES);
  return { describe: 'passwords are encrypted with a key kept in memory only', key: () => key };
}

function readOrCreateKey(file: string): Buffer {
  let key: Buffer;
  try {
    key = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw keyError(file, `cannot be read (${reason(error)})`, error);
    key = createKey(file);
  }
  if (key.length !== KEY_BYTES) {
    throw keyError(
      file,
      `holds ${key.length} bytes, but a password key is exactly ${KEY_BYTES}; it is not the key saved passwords ` +
        'were encrypted with — put the right file back, or move it away to start with a new key (saved passwords must then be entered again)',
    );
  }
  return key;
}

/** 'wx' fails if another process created the file meanwhile: then its key, not ours, is the one to use. */
function createKey(file: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  let fd: number;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file);
    throw keyError(file, `cannot be created (${reason(error)})`, error);
  }
  try {
    writeSync(fd, key);
  } finally {
    closeSync(fd);
  }
  return key;
}

function keyError(file: string, problem: string, cause?: unknown): Error {
  return new Error(`the password key file ${file} ${problem}`, cause === undefined ? undefined : { cause });
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Encrypted value: version (1 byte) | IV (12) | GCM tag (16) | ciphertext. The version lets a later
// release change the scheme and still read what this one wrote.
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Ties ciphertexts to their use, so a value encrypted for something else with the same key is refused. */
const AAD = Buffer.from('mqtt-workbench client profile password');

export function encryptSecret(key: Buffer, plain: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Throws a bare Error when the value is not one this key encrypted; the caller says which value and key. */
export function decryptSecret(key: Buffer, sealed: Buffer): string {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
    throw new Error(`not an encrypted value this version knows (format ${sealed[0] ?? 'none'})`);
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(AAD);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
