// Where the registry keeps profiles. The SQLite store implements this shape structurally (main/clients
// never imports main/store); memoryProfileStore() serves tests and runs without a data folder.
import type { ClientProfile } from '../../shared/contract/clients.js';

export interface ProfileStoreLike {
  /** In creation order; `password` is always undefined here. */
  list(): ClientProfile[];
  hasPassword(name: string): boolean;
  /** Decrypts on demand; may throw a readable Error. */
  password(name: string): string | undefined;
  /** Insert or replace by name. password: undefined keeps the stored one, '' clears it, anything else is stored. */
  save(profile: ClientProfile): void;
  remove(name: string): void;
  /** Keeps the password. */
  rename(from: string, to: string): void;
}

export function memoryProfileStore(initial: ClientProfile[] = []): ProfileStoreLike {
  // A Map keeps insertion order, which is creation order as long as a rename re-inserts in place.
  let profiles = new Map<string, ClientProfile>();
  const passwords = new Map<string, string>();
  const store: ProfileStoreLike = {
    list: () => [...profiles.values()].map((p) => structuredClone(p)),
    hasPassword: (name) => passwords.has(name),
    password: (name) => passwords.get(name),
    save(profile) {
      const { password, ...rest } = profile;
      profiles.set(profile.name, structuredClone(rest));
      if (password === '') passwords.delete(profile.name);
      else if (password !== undefined) passwords.set(profile.name, password);
    },
    remove(name) {
      profiles.delete(name);
      passwords.delete(name);
    },
    rename(from, to) {
      if (from === to) return;
      const profile = profiles.get(from);
      if (!profile) throw new Error(`cannot rename client "${from}": there is no client by that name`);
      if (profiles.has(to)) throw new Error(`cannot rename client "${from}" to "${to}": a client named "${to}" already exists`);
      profiles = new Map([...profiles].map(([name, p]) => (name === from ? [to, { ...p, name: to }] : [name, p])));
      const password = passwords.get(from);
      passwords.delete(from);
      if (password !== undefined) passwords.set(to, password);
    },
  };
  for (const profile of initial) store.save(profile);
  return store;
}
