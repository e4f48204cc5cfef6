// One named client: a profile, what it shows (ClientStatus) and the connection of the moment (one
// mqtt.js instance per connect, so an edited profile applies at the next connect).
import { EventEmitter } from 'node:events';
import type { ClientInfo, ClientProfile, PublishResult, SubscribeResult, UnsubscribeResult } from '../../shared/contract/clients.js';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { QoS } from '../../shared/contract/mqtt-values.js';
import { ClientStatus } from './client-status.js';
import { connectOptions, type EmbeddedTarget } from './connect-options.js';
import { Connection, type ConnectionHost } from './connection.js';
import type { ClientMessage, ClientPacketEvent, NamedClientEvents } from './events.js';
import { preparePublish, type PublishRequest, type SubscribeRequest } from './operations.js';

/** What a client needs from its owner: the stored password (decrypted on demand) and where the embedded broker is. */
export interface NamedClientDeps {
  password(): string | undefined;
  hasPassword(): boolean;
  embedded(): EmbeddedTarget;
}

export class NamedClient extends EventEmitter<NamedClientEvents> implements ConnectionHost {
  readonly status: ClientStatus;
  private profileValue: ClientProfile;
  private connection: Connection | null = null;
  private closed = false;

  constructor(profile: ClientProfile, private readonly deps: NamedClientDeps) {
    super();
    this.profileValue = withoutPassword(profile);
    this.status = new ClientStatus(() => this.profileValue, deps.hasPassword, (info) => this.emit('changed', info));
  }

  get name(): string {
    return this.profileValue.name;
  }

  /** The profile (never with a password). */
  get profile(): ClientProfile {
    return this.profileValue;
  }

  /** Takes effect at the next connect. */
  setProfile(profile: ClientProfile): void {
    this.profileValue = withoutPassword(profile);
    if (!this.connection) this.status.url = undefined;
    this.status.changed();
  }

  info(): ClientInfo {
    return this.status.info();
  }

  /** Resolves at a successful CONNACK; rejects with a readable 'mqtt-error' otherwise. */
  async connect(): Promise<void> {
    const { status } = this;
    if (this.closed) throw new WorkbenchError('conflict', `client "${this.name}" was removed`);
    if (status.state === 'connected' || status.state === 'connecting' || status.state === 'reconnecting') {
      throw new WorkbenchError('conflict', `client "${this.name}" is already ${status.state}; disconnect it first`);
    }
    const before = status.state;
    status.state = 'connecting'; // claimed before the first await, so a second connect() sees it
    const profile = this.profileValue;
    let target;
    try {
      target = await connectOptions(profile, this.storedPassword(), this.deps.embedded());
    } catch (error) {
      status.state = before;
      throw error;
    }
    if (this.closed || status.state !== 'connecting') throw new WorkbenchError('conflict', `connecting "${this.name}" was cancelled`);
    this.connection?.discard();
    try {
      this.connection = new Connection(target.url, target.options, profile, this);
    } catch (error) {
      status.state = before;
      throw new WorkbenchError('mqtt-error', (error as Error).message);
    }
    status.url = target.url;
    status.lastError = undefined;
    status.connectedClientId = undefined;
    status.changed();
    await this.connection.open();
  }

  /** Sends DISCONNECT (when connected) and closes; also stops reconnecting. */
  async disconnect(): Promise<void> {
    const connection = this.connection;
    const graceful = this.status.state === 'connected';
    this.status.set('disconnected');
    if (!connection) return;
    this.connection = null;
    await connection.end(graceful);
    if (sessionEndsWithConnection(this.profileValue)) this.status.subscriptions.clear();
    this.status.changed();
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const prepared = await preparePublish(request, this.connected().v5);
    return this.connected().publish(prepared);
  }

  async subscribe(request: SubscribeRequest): Promise<SubscribeResult> {
    const connection = this.connected();
    const result = await connection.subscribe(request);
    const code = result.granted[0];
    if (code !== undefined && code < 0x80) {
      const o = request.options ?? {};
      const v5 = connection.v5;
      this.status.subscriptions.set(request.filter, {
        filter: request.filter,
        qos: code as QoS,
        noLocal: v5 && (o.noLocal ?? false),
        retainAsPublished: v5 && (o.retainAsPublished ?? false),
        retainHandling: v5 ? o.retainHandling ?? 0 : 0,
        ...(v5 && o.subscriptionIdentifier !== undefined ? { subscriptionIdentifier: o.subscriptionIdentifier } : {}),
      });
      this.status.changed();
    }
    return result;
  }

  async unsubscribe(filter: string): Promise<UnsubscribeResult> {
    const result = await this.connected().unsubscribe(filter);
    const code = result.reasonCodes[0];
    if ((code === undefined || code < 0x80) && this.status.subscriptions.delete(filter)) this.status.changed();
    return result;
  }

  /** Ends the connection at once (no DISCONNECT: the broker sends the will) and drops all listeners. */
  close(): void {
    this.closed = true;
    this.connection?.discard();
    this.connection = null;
    this.status.stop();
    this.removeAllListeners();
  }

  packet(event: ClientPacketEvent): void {
    this.emit('packet', event);
  }

  message(message: ClientMessage): void {
    this.emit('message', message);
  }

  private connected(): Connection {
    if (this.status.state !== 'connected' || !this.connection) {
      throw new WorkbenchError('not-connected', `client "${this.name}" is not connected (${this.status.state})`);
    }
    return this.connection;
  }

  private storedPassword(): string | undefined {
    try {
      return this.deps.password();
    } catch (error) {
      throw new WorkbenchError('io-error', `the stored password of "${this.name}" cannot be read: ${(error as Error).message}`);
    }
  }
}

function withoutPassword(profile: ClientProfile): ClientProfile {
  const { password: _never, ...rest } = profile;
  return rest;
}

/** True when the broker forgets the session (and its subscriptions) at the end of the connection. */
function sessionEndsWithConnection(profile: ClientProfile): boolean {
  return profile.protocolVersion === 5 ? !profile.sessionExpiryInterval : profile.cleanStart;
}
