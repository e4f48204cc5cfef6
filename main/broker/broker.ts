// The broker: owns the listeners, connections and sessions (their life: open, take over, offline,
// will, expiry) and the router. Packet-level rules live in handlers/, routing in router.ts.
import type { Duplex } from 'node:stream';
import { ReasonCode } from '../../shared/mqtt/reason-codes.js';
import { parseSharedFilter } from '../../shared/mqtt/topic.js';
import { createAuth, type Auth } from './auth.js';
import { Connection } from './connection.js';
import type { BrokerCore, BrokerStats, OpenedSession } from './context.js';
import { PacketDecoder } from './decoder.js';
import { BrokerEventEmitter } from './events.js';
import { listenTcp } from './listeners/tcp.js';
import { listenWebSocket } from './listeners/ws.js';
import type { Listener, ListenerAddress } from './listeners/listener.js';
import type { Message } from './message.js';
import { defaultLimits, defaultTcp, defaultWs, type BrokerLimits, type BrokerOptions } from './options.js';
import { memoryPersistence, type BrokerPersistence, type StoredSubscription } from './persistence.js';
import type { RetainedStore } from './retained.js';
import { Router } from './router.js';
import { NEVER_EXPIRES, Session, type SessionEnv, type Subscription } from './session.js';
import { startSysTopics } from './sys-topics.js';
import { setLongTimeout } from './timers.js';

export class Broker implements BrokerCore {
  readonly limits: BrokerLimits;
  readonly events = new BrokerEventEmitter();
  readonly auth: Auth;
  readonly decoder = new PacketDecoder();
  readonly persistence: BrokerPersistence;
  readonly startedAt = Date.now();
  readonly stats: BrokerStats = {
    bytesReceived: 0, bytesSent: 0, packetsReceived: 0, packetsSent: 0,
    publishReceived: 0, publishSent: 0, publishDropped: 0, connectionsTotal: 0,
  };
  connectedCount = 0;
  private readonly sessions = new Map<string, Session>();
  private readonly router: Router;
  private readonly connections = new Set<Connection>();
  private readonly sessionEnv: SessionEnv;
  private listeners: Listener[] = [];
  private stopSys: (() => void) | null = null;
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: BrokerOptions = {}) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.auth = options.auth ?? createAuth();
    this.persistence = options.persistence ?? memoryPersistence;
    this.sessionEnv = { persistence: this.persistence, events: this.events, limits: this.limits };
    this.router = new Router({ auth: this.auth, events: this.events, persistence: this.persistence });
    this.restore();
    const sweepMs = Math.min(500, this.limits.connectTimeoutMs);
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections) connection.checkTimeouts(now);
    }, sweepMs).unref();
  }

  /** Starts the listeners; the addresses carry the real ports when 0 was asked for. */
  async listen(): Promise<ListenerAddress[]> {
    const accept = (socket: Duplex, remoteAddress: string) => this.accept(socket, remoteAddress);
    const tcp = this.options.tcp === undefined ? defaultTcp : this.options.tcp;
    const ws = this.options.ws === undefined ? defaultWs : this.options.ws;
    try {
      if (tcp) this.listeners.push(await listenTcp(tcp, accept));
      if (ws) this.listeners.push(await listenWebSocket(ws, accept));
    } catch (error) {
      await Promise.all(this.listeners.map((l) => l.close()));
      this.listeners = [];
      throw error;
    }
    const interval = this.options.sysInterval ?? 10;
    if (interval > 0) this.stopSys = startSysTopics(this, interval);
    return this.addresses;
  }

  get addresses(): ListenerAddress[] {
    return this.listeners.map((l) => l.address);
  }

  /** Stops listening, closes every connection, keeps persistent sessions and flushes the store. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    this.stopSys?.();
    // Listeners finish closing only once their sockets have, so stop them and end the sockets together.
    const stopped = this.listeners.map((l) => l.close());
    this.listeners = [];
    const closed = [...this.connections].map((c) => new Promise((done) => {
      c.socket.once('close', done);
      c.socket.destroy();
    }));
    await Promise.all([...stopped, ...closed]);
    for (const session of this.sessions.values()) clearTimers(session);
    this.persistence.flush();
    this.persistence.close();
  }

  accept(socket: Duplex, remoteAddress: string): void {
    // Sockets beyond the limit are refused before they cost a parser (CONNECT gets "server busy" below it).
    if (this.closing || this.connections.size >= this.limits.maxConnections + 64) {
      socket.destroy();
      return;
    }
    this.stats.connectionsTotal++;
    this.connections.add(new Connection(socket, remoteAddress, this));
  }

  openSession(connection: Connection, cleanStart: boolean, expiryInterval: number): OpenedSession {
    const { clientId } = connection;
    let session = this.sessions.get(clientId);
    if (session?.link) this.takeOver(session, cleanStart);
    if (session && cleanStart) {
      this.endSession(session, 'discarded');
      session = undefined;
    }
    const present = session !== undefined;
    if (session) {
      // A will still waiting for its delay is not sent when the session is resumed in time [MQTT-3.1.3-9].
      clearTimers(session);
      session.will = null;
      session.expiryInterval = expiryInterval;
    } else {
      session = new Session(clientId, expiryInterval, this.sessionEnv);
      this.sessions.set(clientId, session);
    }
    session.username = connection.username;
    session.offlineSince = null;
    if (this.persistence.durable) {
      if (session.persistent) this.persistence.saveSession(clientId, expiryInterval, null);
      else if (present) this.persistence.deleteSession(clientId);
    }
    connection.session = session;
    connection.connected = true;
    this.connectedCount++;
    this.events.emit('sessionChanged', { clientId, change: present ? 'resumed' : 'created', expiryInterval });
    return { session, present };
  }

  /** A new connection with the same client id closes the old one [MQTT-3.1.4-2]. */
  private takeOver(session: Session, cleanStart: boolean): void {
    const previous = session.link as Connection;
    previous.closeReason = 'taken over by a new connection with the same client id';
    if (previous.protocolVersion === 5) {
      previous.write({ cmd: 'disconnect', reasonCode: ReasonCode.SessionTakenOver });
    }
    previous.end();
    session.detach();
    // The old connection ended without DISCONNECT: its will goes out unless it waits and the session resumes.
    if (session.will && (cleanStart || session.will.delay === 0)) this.publishWill(session);
  }

  connectionClosed(connection: Connection): void {
    this.connections.delete(connection);
    if (!connection.connected) return;
    this.connectedCount--;
    const session = connection.session!;
    this.events.emit('clientDisconnected', {
      connectionId: connection.id, clientId: connection.clientId, reason: connection.closeReason, graceful: connection.graceful,
    });
    if (session.link !== connection) return; // taken over
    session.detach();
    if (connection.graceful || this.closing) session.will = null;
    if (session.expiryInterval === 0) {
      this.endSession(session, 'discarded');
      return;
    }
    if (session.will) this.scheduleWill(session);
    this.goOffline(session, Date.now());
  }

  private goOffline(session: Session, since: number): void {
    session.offlineSince = since;
    if (this.persistence.durable) this.persistence.saveSession(session.clientId, session.expiryInterval, since);
    if (session.expiryInterval !== NEVER_EXPIRES && !this.closing) {
      const left = session.expiryInterval * 1000 - (Date.now() - since);
      session.expiryTimer = setLongTimeout(() => this.endSession(session, 'expired'), Math.max(0, left));
    }
    this.events.emit('sessionChanged', { clientId: session.clientId, change: 'offline', expiryInterval: session.expiryInterval });
  }

  /** The will waits for its delay, but never beyond the end of the session [MQTT-3.1.3-9]. */
  private scheduleWill(session: Session): void {
    const delay = Math.min(session.will!.delay, session.expiryInterval);
    if (delay === 0) this.publishWill(session);
    else session.willTimer = setLongTimeout(() => this.publishWill(session), delay * 1000);
  }

  private publishWill(session: Session): void {
    const will = session.will;
    session.will = null;
    session.willTimer?.cancel();
    session.willTimer = null;
    if (!will) return;
    const { acl } = this.auth;
    if (acl && !acl.canPublish({ clientId: session.clientId, username: will.username }, will.message.topic)) return;
    const now = Date.now();
    const message: Message = { ...will.message, receivedAt: now, willOf: session.clientId };
    if (will.messageExpiryInterval !== undefined) message.expiresAt = now + will.messageExpiryInterval * 1000;
    this.route(message);
    this.events.emit('willPublished', { clientId: session.clientId, topic: message.topic });
  }

  private endSession(session: Session, change: 'expired' | 'discarded'): void {
    if (session.will) this.publishWill(session);
    clearTimers(session);
    this.router.removeAll(session);
    session.clearMessages();
    this.sessions.delete(session.clientId);
    if (this.persistence.durable) this.persistence.deleteSession(session.clientId);
    this.events.emit('sessionChanged', { clientId: session.clientId, change, expiryInterval: session.expiryInterval });
  }

  get retained(): RetainedStore {
    return this.router.retained;
  }

  route(message: Message): void {
    this.router.route(message);
  }

  subscribe(subscription: Subscription): boolean {
    return this.router.subscribe(subscription);
  }

  unsubscribe(session: Session, filter: string): boolean {
    return this.router.unsubscribe(session, filter);
  }

  /** Publishes a message from the broker itself (e.g. $SYS). */
  publish(message: Omit<Message, 'publisher' | 'receivedAt'>): void {
    this.route({ ...message, publisher: '', receivedAt: Date.now() });
  }

  /** Puts back what the store kept: retained messages and persistent sessions (all offline). */
  private restore(): void {
    const state = this.persistence.load();
    for (const message of state.retained) this.retained.set(message);
    for (const stored of state.sessions) {
      const session = new Session(stored.clientId, stored.expiryInterval, this.sessionEnv);
      this.sessions.set(stored.clientId, session);
      for (const s of stored.subscriptions) this.router.index(fromStored(session, s));
      for (const delivery of stored.deliveries) session.restore(delivery);
      for (const id of stored.incomingQos2) session.incomingQos2.add(id);
      // A session whose client was connected when the broker stopped went offline then.
      this.goOffline(session, stored.disconnectedAt ?? Date.now());
    }
  }

  // Introspection, for the workbench and tests.
  get sessionCount(): number {
    return this.sessions.size;
  }

  getSession(clientId: string): Session | undefined {
    return this.sessions.get(clientId);
  }

  allSessions(): IterableIterator<Session> {
    return this.sessions.values();
  }

  /** Removes a retained message without publishing anything (the workbench's "delete"). */
  clearRetained(topic: string): boolean {
    return this.router.clearRetained(topic);
  }

  get subscriptionCount(): number {
    return this.router.subscriptionCount;
  }
}

function clearTimers(session: Session): void {
  session.expiryTimer?.cancel();
  session.willTimer?.cancel();
  session.expiryTimer = null;
  session.willTimer = null;
}

function fromStored(session: Session, s: StoredSubscription): Subscription {
  const shared = parseSharedFilter(s.filter);
  if (shared && shared !== 'invalid') return { ...s, session, topicFilter: shared.filter, shareGroup: shared.group };
  return { ...s, session, topicFilter: s.filter };
}
