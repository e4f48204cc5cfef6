// Mosquitto password files (as written by `mosquitto_passwd`), so users can reuse theirs.
// Formats, from mosquitto 2.0 `src/password_mosq.c` and `apps/mosquitto_passwd`:
//   user:$6$<salt_b64>$<hash_b64>               hash = SHA-512(password ‖ salt)
//   user:$7$<iterations>$<salt_b64>$<hash_b64>  hash = PBKDF2-HMAC-SHA512(password, salt, iterations, 64 bytes)
// Mosquitto insists on a 12-byte salt and a 64-byte hash, and drops entries that differ; we refuse the file instead.

import { createHash, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const SALT_BYTES = 12;
const HASH_BYTES = 64;
// Strict base64: Buffer.from(…, 'base64') silently skips junk, which would hide a corrupt file.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface Sha512Entry {
  type: 6;
  salt: Buffer;
  hash: Buffer;
}

interface Pbkdf2Entry {
  type: 7;
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

type Entry = Sha512Entry | Pbkdf2Entry;

function decodeBase64(s: string | undefined, bytes: number): Buffer | null {
  if (s === undefined || !BASE64.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  return b.length === bytes ? b : null;
}

/** Parses the part after the colon; returns a reason string when it is not a hash Mosquitto accepts. */
function parseHash(text: string): Entry | string {
  const parts = text.split('$');
  // A leading '$' makes parts[0] empty: ['', '6', salt, hash] or ['', '7', iterations, salt, hash].
  if (parts[0] !== '' || parts.length < 2) return 'expected a "$6$…" or "$7$…" hash';
  const type = parts[1];
  if (type === '6') {
    if (parts.length !== 4) return 'expected "$6$<salt>$<hash>"';
    const salt = decodeBase64(parts[2], SALT_BYTES);
    const hash = decodeBase64(parts[3], HASH_BYTES);
    if (!salt) return `salt is not ${SALT_BYTES} bytes of base64`;
    if (!hash) return `hash is not ${HASH_BYTES} bytes of base64`;
    return { type: 6, salt, hash };
  }
  if (type === '7') {
    if (parts.length !== 5) return 'expected "$7$<iterations>$<salt>$<hash>"';
    const iterations = /^\d{1,9}$/.test(parts[2]) ? Number(parts[2]) : 0;
    if (iterations < 1) return `invalid iteration count "${parts[2]}"`;
    const salt = decodeBase64(parts[3], SALT_BYTES);
    const hash = decodeBase64(parts[4], HASH_BYTES);
    if (!salt) return `salt is not ${SALT_BYTES} bytes of base64`;
    if (!hash) return `hash is not ${HASH_BYTES} bytes of base64`;
    return { type: 7, iterations, salt, hash };
  }
  return `unknown hash type "$${type}$" (only $6$ and $7$ are supported; plain-text passwords are not)`;
}

function digest(entry: Entry, password: Buffer): Buffer {
  if (entry.type === 6) return createHash('sha512').update(password).update(entry.salt).digest();
  return pbkdf2Sync(password, entry.salt, entry.iterations, HASH_BYTES, 'sha512');
}

export class PasswordFile {
  private constructor(private readonly entries: Map<string, Entry>) {}

  /** Throws on the first malformed line rather than skipping it as Mosquitto does: a silently missing user is harder to debug. */
  static parse(text: string, source = '<text>'): PasswordFile {
    const entries = new Map<string, Entry>();
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      const where = `password file ${source} line ${i + 1}`;
      const colon = line.indexOf(':');
      // Mosquitto trims blanks around both fields; the hash itself never contains ':'.
      const username = colon < 0 ? '' : line.slice(0, colon).trim();
      const hashText = colon < 0 ? '' : line.slice(colon + 1).trim();
      if (username === '' || hashText === '' || hashText.includes(':')) {
        throw new Error(`${where}: expected "user:hash"`);
      }
      const entry = parseHash(hashText);
      if (typeof entry === 'string') throw new Error(`${where}: ${entry}`);
      // Last line wins, as in Mosquitto's hash table (later entries shadow earlier ones).
      entries.set(username, entry);
    }
    return new PasswordFile(entries);
  }

  static load(path: string): PasswordFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read password file ${path}: ${(err as Error).message}`);
    }
    return PasswordFile.parse(text, path);
  }

  get size(): number {
    return this.entries.size;
  }

  has(username: string): boolean {
    return this.entries.has(username);
  }

  verify(username: string, password: string | Buffer): boolean {
    const entry = this.entries.get(username);
    if (!entry) return false;
    const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
    // Both sides are always 64 bytes, so timingSafeEqual cannot throw on a length mismatch.
    return timingSafeEqual(digest(entry, bytes), entry.hash);
  }
}
