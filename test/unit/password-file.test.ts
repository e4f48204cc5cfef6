import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PasswordFile } from '../../main/broker/auth/password-file.js';

// Lines written by the real mosquitto_passwd 2.0.11 (alice: default $7$, bob: `-H sha512`).
const ALICE_PBKDF2 =
  'alice:$7$101$7rWiaRQdva1l8K9K$yffKxyg/Qfmq1lt0XDSSIi/ZDf3fEhY7A4/Zcv+8mMzqMvREJ8VsqgEjzYjIVOMJznunSaUpOe6wdzI1o0QfTA==';
const BOB_SHA512 =
  'bob:$6$QW+YYlRkR2wE1XhB$2zxQx45JnfcpyrCrJnSc5tr3ov9WZZfv8v8dDml8BxuXKAOpiopSxLS0doVb5raWcIR3rWJF87hCfs+QJkp6yA==';

const SALT = 'AAECAwQFBgcICQoL'; // 12 bytes
const HASH = Buffer.alloc(64, 1).toString('base64');

const hasMosquittoPasswd = spawnSync('mosquitto_passwd', ['-h']).error === undefined;

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'password-file-test-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('PasswordFile hashes', () => {
  it('verifies a $7$ (PBKDF2-SHA512) entry', () => {
    const pw = PasswordFile.parse(ALICE_PBKDF2);
    expect(pw.verify('alice', 'secret pass')).toBe(true);
    expect(pw.verify('alice', Buffer.from('secret pass'))).toBe(true);
  });

  it('verifies a $6$ (salted SHA-512) entry', () => {
    const pw = PasswordFile.parse(BOB_SHA512);
    expect(pw.verify('bob', 'hunter2')).toBe(true);
  });

  it('uses the iteration count from the file', () => {
    const salt = randomBytes(12);
    const hash = pbkdf2Sync('pw', salt, 1000, 64, 'sha512');
    const pw = PasswordFile.parse(`u:$7$1000$${salt.toString('base64')}$${hash.toString('base64')}`);
    expect(pw.verify('u', 'pw')).toBe(true);
    const wrongCount = PasswordFile.parse(`u:$7$101$${salt.toString('base64')}$${hash.toString('base64')}`);
    expect(wrongCount.verify('u', 'pw')).toBe(false);
  });

  it('hashes password then salt for $6$', () => {
    const salt = randomBytes(12);
    const hash = createHash('sha512').update('pw').update(salt).digest();
    const pw = PasswordFile.parse(`u:$6$${salt.toString('base64')}$${hash.toString('base64')}`);
    expect(pw.verify('u', 'pw')).toBe(true);
  });

  it('rejects a wrong password', () => {
    const pw = PasswordFile.parse(`${ALICE_PBKDF2}\n${BOB_SHA512}`);
    expect(pw.verify('alice', 'secret pas')).toBe(false);
    expect(pw.verify('alice', '')).toBe(false);
    expect(pw.verify('bob', 'hunter3')).toBe(false);
    expect(pw.verify('bob', 'secret pass')).toBe(false);
  });

  it('rejects unknown users', () => {
    const pw = PasswordFile.parse(ALICE_PBKDF2);
    expect(pw.has('alice')).toBe(true);
    expect(pw.has('mallory')).toBe(false);
    expect(pw.verify('mallory', 'secret pass')).toBe(false);
    expect(pw.verify('Alice', 'secret pass')).toBe(false);
  });
});

describe('PasswordFile.parse', () => {
  it('ignores comments, blank lines and CRLF line ends', () => {
    const pw = PasswordFile.parse(`# users\r\n\r\n${ALICE_PBKDF2}\r\n   \r\n  # indented comment\n${BOB_SHA512}\n`);
    expect(pw.size).toBe(2);
    expect(pw.verify('alice', 'secret pass')).toBe(true);
    expect(pw.verify('bob', 'hunter2')).toBe(true);
  });

  it('keeps the last entry for a repeated username', () => {
    const pw = PasswordFile.parse(`bob:$6$${SALT}$${HASH}\n${BOB_SHA512}`);
    expect(pw.size).toBe(1);
    expect(pw.verify('bob', 'hunter2')).toBe(true);
  });

  it.each([
    ['no colon', 'alice', 'expected "user:hash"'],
    ['empty username', `:$6$${SALT}$${HASH}`, 'expected "user:hash"'],
    ['empty hash', 'alice:', 'expected "user:hash"'],
    ['extra field', `alice:$6$${SALT}$${HASH}:x`, 'expected "user:hash"'],
    ['plain-text password', 'alice:secret', 'expected a "$6$…" or "$7$…" hash'],
    ['unknown hash type', `alice:$5$${SALT}$${HASH}`, 'unknown hash type "$5$"'],
    ['missing $6$ field', `alice:$6$${SALT}`, 'expected "$6$<salt>$<hash>"'],
    ['missing $7$ iterations', `alice:$7$${SALT}$${HASH}`, 'expected "$7$<iterations>$<salt>$<hash>"'],
    ['zero iterations', `alice:$7$0$${SALT}$${HASH}`, 'invalid iteration count "0"'],
    ['bad iterations', `alice:$7$1x$${SALT}$${HASH}`, 'invalid iteration count "1x"'],
    ['short salt', `alice:$6$AAEC$${HASH}`, 'salt is not 12 bytes'],
    ['bad base64 hash', `alice:$6$${SALT}$not*base64`, 'hash is not 64 bytes'],
    ['short hash', `alice:$6$${SALT}$AAAA`, 'hash is not 64 bytes'],
  ])('rejects %s with its line number', (_name, line, message) => {
    const text = `# header\n${ALICE_PBKDF2}\n${line}\n`;
    expect(() => PasswordFile.parse(text, 'users.pw')).toThrow(`password file users.pw line 3: ${message}`);
  });
});

describe('PasswordFile.load', () => {
  it('reads a file from disk', () => {
    const file = path.join(tmpDir(), 'pw');
    fs.writeFileSync(file, `${ALICE_PBKDF2}\n`);
    expect(PasswordFile.load(file).verify('alice', 'secret pass')).toBe(true);
  });

  it('names the file when it cannot be read', () => {
    const file = path.join(tmpDir(), 'missing');
    expect(() => PasswordFile.load(file)).toThrow(`cannot read password file ${file}: `);
  });

  it('names the file in parse errors', () => {
    const file = path.join(tmpDir(), 'bad');
    fs.writeFileSync(file, 'oops\n');
    expect(() => PasswordFile.load(file)).toThrow(`password file ${file} line 1: expected "user:hash"`);
  });
});

describe.skipIf(!hasMosquittoPasswd)('files written by mosquitto_passwd (skipped: mosquitto_passwd not on PATH)', () => {
  it('accepts the default sha512-pbkdf2 format', () => {
    const file = path.join(tmpDir(), 'pw');
    execFileSync('mosquitto_passwd', ['-c', '-b', file, 'alice', 'correct horse']);
    execFileSync('mosquitto_passwd', ['-b', file, 'carol', 'pässwörd ✓']);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^alice:\$7\$101\$/);
    const pw = PasswordFile.load(file);
    expect(pw.size).toBe(2);
    expect(pw.verify('alice', 'correct horse')).toBe(true);
    expect(pw.verify('alice', 'correct horse ')).toBe(false);
    expect(pw.verify('carol', 'pässwörd ✓')).toBe(true);
    expect(pw.verify('carol', 'passwort')).toBe(false);
  });

  it('accepts the older sha512 format (-H sha512)', () => {
    const file = path.join(tmpDir(), 'pw');
    execFileSync('mosquitto_passwd', ['-H', 'sha512', '-c', '-b', file, 'bob', 'hunter2']);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^bob:\$6\$/);
    const pw = PasswordFile.load(file);
    expect(pw.verify('bob', 'hunter2')).toBe(true);
    expect(pw.verify('bob', 'hunter3')).toBe(false);
  });
});
