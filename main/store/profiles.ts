import type { Statement } from 'better-sqlite3';
import { type ClientProfile, ClientProfileInput } from '../../shared/contract/clients.js';
import type { SqliteDatabase } from './db.js';
import { sqliteCode } from './errors.js';
import { KEY_BYTES, type KeyProvider, decryptSecret, encryptSecret } from './secrets.js';

interface ProfileRow {
  name: string;
  profile: string;
}

/**
 * Client profiles in the workbench database: the profile as JSON, the password apart and encrypted
 * (AES-256-GCM, see secrets.ts). Only password() and saving a new password need the key, so a lost or
 * replaced key file costs the saved passwords, never the profiles.
 */
export class ProfileStore {
  private readonly statements: {
    list: Statement<[], ProfileRow>;
    password: Statement<[string], Buffer | null>;
    saveKeepingPassword: Statement<[string, string]>;
    saveWithPassword: Statement<[string, string, Buffer | null]>;
    remove: Statement<[string]>;
    rename: Statement<[string, string]>;
  };

  constructor(
    db: SqliteDatabase,
    private readonly keys: KeyProvider,
  ) {
    this.statements = {
      list: db.prepare<[], ProfileRow>('SELECT name, profile FROM client_profiles ORDER BY seq'),
      password: db.prepare<[string], Buffer | null>('SELECT password FROM client_profiles WHERE name = ?').pluck(),
      saveKeepingPassword: db.prepare(
        'INSERT INTO client_profiles (name, profile) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET profile = excluded.profile',
      ),
      saveWithPassword: db.prepare(
        'INSERT INTO client_profiles (name, profile, password) VALUES (?, ?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET profile = excluded.profile, password = excluded.password',
      ),
      remove: db.prepare('DELETE FROM client_profiles WHERE name = ?'),
      rename: db.prepare('UPDATE client_profiles SET name = ? WHERE name = ?'),
    };
  }

  list(): ClientProfile[] {
    return this.statements.list.all().map(({ name, profile }) => {
      const stored = { ...(JSON.parse(profile) as object), name };
      // Parsing fills in defaults of fields added since the profile was saved; a profile a later
      // schema would refuse is still returned as saved rather than hidden.
      const parsed = ClientProfileInput.safeParse(stored);
      return parsed.success ? parsed.data : (stored as ClientProfile);
    });
  }

  hasPassword(name: string): boolean {
    return (this.statements.password.get(name) ?? null) !== null;
  }

  password(name: string): string | undefined {
    const sealed = this.statements.password.get(name);
    if (sealed === undefined || sealed === null) return undefined;
    const key = this.key(`read the saved password of client "${name}"`);
    try {
      return decryptSecret(key, sealed);
    } catch (error) {
      throw new Error(
        `cannot decrypt the saved password of client "${name}": ${this.keys.describe}, but it was saved with ` +
          'another key (was the key replaced or lost?); enter the password again to save it with the current key',
        { cause: error },
      );
    }
  }

  save(profile: ClientProfile): void {
    const { name, password, ...rest } = profile;
    const json = JSON.stringify(rest);
    if (password === undefined) {
      this.statements.saveKeepingPassword.run(name, json);
      return;
    }
    const sealed = password === '' ? null : encryptSecret(this.key(`save the password of client "${name}"`), password);
    this.statements.saveWithPassword.run(name, json, sealed);
  }

  remove(name: string): void {
    this.statements.remove.run(name);
  }

  rename(from: string, to: string): void {
    if (from === to) return;
    let changes: number;
    try {
      changes = this.statements.rename.run(to, from).changes;
    } catch (error) {
      if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new Error(`cannot rename client "${from}" to "${to}": a client named "${to}" already exists`, { cause: error });
      }
      throw error;
    }
    if (changes === 0) throw new Error(`cannot rename client "${from}": there is no client by that name`);
  }

  private key(purpose: string): Buffer {
    let key: Buffer;
    try {
      key = this.keys.key();
    } catch (error) {
      throw new Error(`cannot ${purpose}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (key.length !== KEY_BYTES) throw new Error(`cannot ${purpose}: ${this.keys.describe}, but that key is not ${KEY_BYTES} bytes long`);
    return key;
  }
}
