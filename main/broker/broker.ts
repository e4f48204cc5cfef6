// The broker: owns listeners, connections, sessions and the two tries (subscriptions, retained
// messages), and routes every message. Packet-level rules live in handlers/.
import type { Duplex } from 'node:stream';
import { ReasonCode } from '../../shared/mqtt/reason-codes.js';
import { parseSharedFilter } from '../../shared/mqtt/topic.js';
import { createAuth, type Auth } from './auth.js';
import { Connection, type EncodeCache } from './connection.js';
import type { BrokerCore, BrokerStats, OpenedSession } from './context.js';
import { PacketDecoder } from './decoder.js';
import { BrokerEventEmitter } from './events.js';
import { listenTcp } from './listeners/tcp.js';
import { listenWebSocket } from './listeners/ws.js';
import type { Listener, ListenerAddress } from './listeners/listener.js';
import type { Message, QoS } from './message.js';
import { defaultLimits, defaultTcp, defaultWs, type BrokerLimits, type BrokerOptions } from './options.js';
import { memoryPersistence, type BrokerPersistence, type StoredSubscription } from './persistence.js';
import { RetainedStore } from './retained.js';
import { NEVER_EXPIRES, Session, type SessionEnv, type Subscription } from './session.js';
import { startSysTopics } from './sys-topics.js';
import { TopicTree } from './topic-tree.js';
import { setLongTimeout } from './timers.js';

/** Members of one `$share/{group}/{filter}`: each message goes to one of them. */
interface ShareGroup {
  members: Subscription[];
  next: number;
}

export class Broker implements BrokerCore {
  readonly limits: BrokerLimits;
  readonly events = new BrokerEventEmitter();
  readonly auth: Auth;
  readonly retained = new RetainedStore();
  readonly decoder = new PacketDecoder();
  readonly persistence: BrokerPersistence;
  readonly startedAt = Date.now();
  readonly stats: BrokerStats = {
    bytesReceived: 0, bytesSent: 0, packetsReceived: 0, packetsSent: 0,
    publishReceived: 0, publishSent: 0, publishDropped: 0, connectionsTotal: 0,
  };
  connectedCount = 0;
  private readonly sessions = new Map<string, Session>();
  private readonly subscriptions = new TopicTree<Subscription>();
  private readonly shareGroups = new TopicTree<ShareGroup>();
  private readonly connections = new Set<Connection>();
  private readonly sessionEnv: SessionEnv;
  private listeners: Listener[] = [];
  private stopSys: (() => void) | null = null;
  private readonly sweeper: NodeJS.Timeout;
  private routeStamp = 0;
  private closing = false;

  constructor(private readonly options: BrokerOptions = {}) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.auth = options.auth ?? createAuth();
    this.persistence = options.persistence ?? memoryPersistence;
    this.sessionEnv = { persistence: this.persistence, events: this.events, limits: this.limits };
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
    const message: Message = { ...will.message, receivedAt: now };
    if (will.messageExpiryInterval !== undefined) message.expiresAt = now + will.messageExpiryInterval * 1000;
    this.route(message);
    this.events.emit('willPublished', { clientId: session.clientId, topic: message.topic });
  }

  private endSession(session: Session, change: 'expired' | 'discarded'): void {
    if (session.will) this.publishWill(session);
    clearTimers(session);
    for (const subscription of session.subscriptions.values()) this.removeFromTries(subscription);
    session.subscriptions.clear();
    session.clearMessages();
    this.sessions.delete(session.clientId);
    if (this.persistence.durable) this.persistence.deleteSession(session.clientId);
    this.events.emit('sessionChanged', { clientId: session.clientId, change, expiryInterval: session.expiryInterval });
  }

  route(message: Message): void {
    if (message.retain) this.storeRetained(message);
    if (this.subscriptions.size > 0) {
      const matches = this.subscriptions.match(message.topic);
      if (matches.length > 0) this.deliverToMatches(message, matches);
    }
    if (this.shareGroups.size > 0) {
      for (const group of this.shareGroups.match(message.topic)) this.deliverToGroup(message, group);
    }
  }

  /** Publishes a message from the broker itself (e.g. $SYS). */
  publish(message: Omit<Message, 'publisher' | 'receivedAt'>): void {
    this.route({ ...message, publisher: '', receivedAt: Date.now() });
  }

  private storeRetained(message: Message): void {
    const durable = this.persistence.durable && !message.topic.startsWith('$SYS/');
    if (message.payload.length === 0) {
      // An empty retained message clears the topic and is not stored [MQTT-3.3.1-10/11].
      if (!this.retained.delete(message.topic)) return;
      if (durable) this.persistence.deleteRetained(message.topic);
      this.events.emit('retainedChanged', { topic: message.topic, change: 'cleared' });
      return;
    }
    // A copy, so the store does not pin the whole socket chunk the payload was sliced from. (The message
    // is shared by its deliveries; they may as well share the copy.)
    message.payload = Buffer.from(message.payload);
    const stored = message;
    this.retained.set(stored);
    if (durable) this.persistence.setRetained(stored);
    if (this.events.listenerCount('retainedChanged') > 0) {
      this.events.emit('retainedChanged', { topic: message.topic, change: 'set', message: stored });
    }
  }

  private deliverToMatches(message: Message, matches: readonly Subscription[]): void {
    const cache: EncodeCache = [];
    const stamp = ++this.routeStamp;
    let repeated = false;
    for (const subscription of matches) {
      if (subscription.session.routeStamp === stamp) repeated = true;
      subscription.session.routeStamp = stamp;
    }
    if (!repeated) {
      for (const subscription of matches) this.deliverTo(message, subscription, cache);
      return;
    }
    // A client matched by several of its filters gets one copy, at the highest QoS, with every
    // subscription identifier (3.1.1 [MQTT-3.3.5-1]; allowed by MQTT 5 §3.3.4).
    const merged = new Map<Session, { best: Subscription; ids: number[] }>();
    for (const subscription of matches) {
      if (subscription.noLocal && subscription.session.clientId === message.publisher) continue;
      const entry = merged.get(subscription.session);
      if (!entry) {
        merged.set(subscription.session, { best: subscription, ids: idsOf(subscription) });
        continue;
      }
      entry.ids.push(...idsOf(subscription));
      if (subscription.qos > entry.best.qos || (subscription.qos === entry.best.qos && subscription.retainAsPublished)) {
        entry.best = subscription;
      }
    }
    for (const { best, ids } of merged.values()) {
      this.deliverTo(message, best, cache, ids.length > 0 ? ids : undefined);
    }
  }

  private deliverTo(message: Message, subscription: Subscription, cache: EncodeCache, ids = idsOrUndefined(subscription)): void {
    const { session } = subscription;
    if (subscription.noLocal && session.clientId === message.publisher) return; // [MQTT-3.8.3-3]
    const { acl } = this.auth;
    if (acl && !acl.canReceive({ clientId: session.clientId, username: session.username }, message.topic)) return;
    const qos = (message.qos < subscription.qos ? message.qos : subscription.qos) as QoS;
    const retain = subscription.retainAsPublished && message.retain;
    session.deliver(ids ? { message, qos, retain, subscriptionIds: ids } : { message, qos, retain }, false, cache);
  }

  /** One member per message, round robin, preferring members that are online. */
  private deliverToGroup(message: Message, group: ShareGroup): void {
    const n = group.members.length;
    if (n === 0) return;
    let chosen = group.members[group.next % n];
    for (let i = 0; i < n; i++) {
      const candidate = group.members[(group.next + i) % n];
      if (candidate.session.link) {
        chosen = candidate;
        group.next = (group.next + i) % n;
        break;
      }
    }
    group.next = (group.next + 1) % n;
    this.deliverTo(message, chosen, []);
  }

  subscribe(subscription: Subscription): boolean {
    const { session } = subscription;
    const existed = this.index(subscription);
    if (this.persistence.durable && session.persistent) {
      this.persistence.saveSubscription(session.clientId, toStored(subscription));
    }
    this.events.emit('subscriptionChanged', {
      clientId: session.clientId, filter: subscription.filter, change: 'added', qos: subscription.qos,
    });
    return existed;
  }

  /** Puts a subscription in its session and in the tries, replacing one with the same filter. */
  private index(subscription: Subscription): boolean {
    const { session } = subscription;
    const existing = session.subscriptions.get(subscription.filter);
    if (existing) this.removeFromTries(existing);
    session.subscriptions.set(subscription.filter, subscription);
    if (subscription.shareGroup !== undefined) {
      let group = this.shareGroups.get(subscription.topicFilter, subscription.shareGroup);
      if (!group) {
        group = { members: [], next: 0 };
        this.shareGroups.add(subscription.topicFilter, subscription.shareGroup, group);
      }
      group.members.push(subscription);
    } else {
      this.subscriptions.add(subscription.topicFilter, session.clientId, subscription);
    }
    return existing !== undefined;
  }

  unsubscribe(session: Session, filter: string): boolean {
    const subscription = session.subscriptions.get(filter);
    if (!subscription) return false;
    session.subscriptions.delete(filter);
    this.removeFromTries(subscription);
    if (this.persistence.durable && session.persistent) this.persistence.deleteSubscription(session.clientId, filter);
    this.events.emit('subscriptionChanged', { clientId: session.clientId, filter, change: 'removed' });
    return true;
  }

  private removeFromTries(subscription: Subscription): void {
    if (subscription.shareGroup === undefined) {
      this.subscriptions.remove(subscription.topicFilter, subscription.session.clientId);
      return;
    }
    const group = this.shareGroups.get(subscription.topicFilter, subscription.shareGroup);
    if (!group) return;
    group.members = group.members.filter((m) => m !== subscription);
    if (group.members.length === 0) this.shareGroups.remove(subscription.topicFilter, subscription.shareGroup);
  }

  /** Puts back what the store kept: retained messages and persistent sessions (all offline). */
  private restore(): void {
    const state = this.persistence.load();
    for (const message of state.retained) this.retained.set(message);
    for (const stored of state.sessions) {
      const session = new Session(stored.clientId, stored.expiryInterval, this.sessionEnv);
      this.sessions.set(stored.clientId, session);
      for (const s of stored.subscriptions) this.index(fromStored(session, s));
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

  get subscriptionCount(): number {
    return this.subscriptions.size + this.shareGroups.size;
  }
}

function clearTimers(session: Session): void {
  session.expiryTimer?.cancel();
  session.willTimer?.cancel();
  session.expiryTimer = null;
  session.willTimer = null;
}

function idsOf(subscription: Subscription): number[] {
  return subscription.subscriptionId !== undefined ? [subscription.subscriptionId] : [];
}

function idsOrUndefined(subscription: Subscription): number[] | undefined {
  return subscription.subscriptionId !== undefined ? [subscription.subscriptionId] : undefined;
}

function toStored(s: Subscription): StoredSubscription {
  const stored: StoredSubscription = {
    filter: s.filter, qos: s.qos, noLocal: s.noLocal, retainAsPublished: s.retainAsPublished, retainHandling: s.retainHandling,
  };
  if (s.subscriptionId !== undefined) stored.subscriptionId = s.subscriptionId;
  return stored;
}

function fromStored(session: Session, s: StoredSubscription): Subscription {
  const shared = parseSharedFilter(s.filter);
  if (shared && shared !== 'invalid') return { ...s, session, topicFilter: shared.filter, shareGroup: shared.group };
  return { ...s, session, topicFilter: s.filter };
}
