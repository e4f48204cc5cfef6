// The named clients: name → NamedClient, backed by a profile store. Re-emits every client's events
// with its name, so the tap and the faces listen in one place.
import { EventEmitter } from 'node:events';
import { ClientProfileInput, type ClientInfo, type ClientProfile, type ClientProfilePatch } from '../../shared/contract/clients.js';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { EmbeddedTarget } from './connect-options.js';
import type { ClientMessage, ClientPacketEvent } from './events.js';
import { NamedClient } from './named-client.js';
import type { ProfileStoreLike } from './profile-store.js';

export interface ClientRegistryEvents {
  packet: [name: string, event: ClientPacketEvent];
  changed: [info: ClientInfo];
  removed: [name: string];
  message: [name: string, message: ClientMessage];
}

export interface ClientRegistryOptions {
  store: ProfileStoreLike;
  /** Where the embedded broker listens now (asked at each connect: it may have been restarted). */
  embedded: () => EmbeddedTarget;
}

const MAX_NAME = 64;

export class ClientRegistry extends EventEmitter<ClientRegistryEvents> {
  private clients = new Map<string, NamedClient>();
  private readonly store: ProfileStoreLike;
  private readonly embedded: () => EmbeddedTarget;

  constructor(options: ClientRegistryOptions) {
    super();
    this.store = options.store;
    this.embedded = options.embedded;
    for (const profile of this.store.list()) this.add(profile);
  }

  get(name: string): NamedClient {
    const client = this.clients.get(name);
    if (!client) throw new WorkbenchError('not-found', `no client named "${name}"`);
    return client;
  }

  list(): ClientInfo[] {
    return [...this.clients.values()].map((c) => c.info());
  }

  /** The first free name of the myClient1, myClient2, … series. */
  nextName(): string {
    return this.freeName('myClient', 1);
  }

  create(profile: ClientProfile): NamedClient {
    this.assertFree(profile.name);
    this.persist(() => this.store.save(profile));
    const client = this.add(profile);
    this.emit('changed', client.info());
    return client;
  }

  /**
   * Changes a profile; it takes effect at the next connect. A new `name` renames the client;
   * A field set to null goes back to its default (or none); `password`: undefined keeps the stored
   * one, '' or null forgets it.
   */
  update(name: string, patch: Partial<ClientProfile> | ClientProfilePatch): NamedClient {
    const client = this.get(name);
    const newName = patch.name ?? name;
    if (newName !== name) this.assertFree(newName);
    const merged: Record<string, unknown> = { ...client.profile, name: newName };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else if (value !== undefined) merged[key] = value;
    }
    // Parsed again: removed fields get their defaults back, and the whole profile is checked once more.
    const profile: ClientProfile = { ...ClientProfileInput.parse(merged), ...(patch.password === null ? { password: '' } : {}) };
    this.persist(() => {
      if (newName !== name) this.store.rename(name, newName);
      this.store.save(profile);
    });
    if (newName !== name) {
      // Re-key in place, so the list keeps its order.
      this.clients = new Map([...this.clients].map(([n, c]) => [n === name ? newName : n, c]));
      this.emit('removed', name);
    }
    client.setProfile(profile); // announces the change
    return client;
  }

  /**
   * A copy under `newName` (default: the next number of a name ending in digits, or `<name>-copy`).
   * The copy's client id is its own name, unless the original used an id other than its name.
   */
  clone(name: string, newName?: string): NamedClient {
    const original = this.get(name).profile;
    const target = newName ?? this.cloneName(name);
    const ownId = original.clientId === undefined || original.clientId === original.name;
    const { clientId: _id, ...rest } = original;
    const password = this.store.hasPassword(name) ? this.persist(() => this.store.password(name)) : undefined;
    return this.create({
      ...rest,
      name: target,
      ...(ownId ? {} : { clientId: original.clientId }),
      ...(password !== undefined ? { password } : {}),
    });
  }

  /** Disconnects (cleanly: no will), then forgets the client and its profile. */
  async remove(name: string): Promise<void> {
    const client = this.get(name);
    await client.disconnect().catch(() => {});
    client.close();
    this.clients.delete(name);
    this.persist(() => this.store.remove(name));
    this.emit('removed', name);
  }

  /** Disconnects every client and closes them; the registry is done afterwards. */
  async closeAll(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.disconnect().catch(() => {})));
    for (const client of clients) client.close();
  }

  private add(profile: ClientProfile): NamedClient {
    // The store is asked by the client's current name: a rename must not lose the password.
    const client: NamedClient = new NamedClient(profile, {
      password: () => this.store.password(client.name),
      hasPassword: () => this.store.hasPassword(client.name),
      embedded: this.embedded,
    });
    client.on('packet', (event) => this.emit('packet', client.name, event));
    client.on('message', (message) => this.emit('message', client.name, message));
    client.on('changed', (info) => this.emit('changed', info));
    this.clients.set(profile.name, client);
    return client;
  }

  private assertFree(name: string): void {
    if (this.clients.has(name)) throw new WorkbenchError('conflict', `a client named "${name}" already exists`);
  }

  private cloneName(name: string): string {
    const numbered = /^(.*?)(\d+)$/.exec(name);
    if (numbered?.[1]) return this.freeName(numbered[1], Number(numbered[2]) + 1);
    const base = `${name.slice(0, MAX_NAME - '-copy'.length - 3)}-copy`;
    return this.clients.has(base) ? this.freeName(base, 2) : base;
  }

  private freeName(prefix: string, from: number): string {
    for (let n = from; ; n++) {
      const name = `${prefix}${n}`;
      if (!this.clients.has(name)) return name;
    }
  }

  /** Store failures (disk, key) reach the user as io-errors with the store's readable message. */
  private persist<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (error instanceof WorkbenchError) throw error;
      throw new WorkbenchError('io-error', (error as Error).message);
    }
  }
}
