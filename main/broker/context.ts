// The narrow view of the broker that connections and packet handlers get.
import type { Auth } from './auth.js';
import type { Connection } from './connection.js';
import type { PacketDecoder } from './decoder.js';
import type { BrokerEventEmitter } from './events.js';
import type { Message } from './message.js';
import type { BrokerLimits } from './options.js';
import type { BrokerPersistence } from './persistence.js';
import type { RetainedStore } from './retained.js';
import type { Session, Subscription } from './session.js';

export interface BrokerStats {
  bytesReceived: number;
  bytesSent: number;
  packetsReceived: number;
  packetsSent: number;
  publishReceived: number;
  publishSent: number;
  publishDropped: number;
  connectionsTotal: number;
}

export interface OpenedSession {
  session: Session;
  /** The CONNACK session-present flag. */
  present: boolean;
}

export interface BrokerCore {
  readonly limits: BrokerLimits;
  readonly stats: BrokerStats;
  readonly events: BrokerEventEmitter;
  readonly auth: Auth;
  readonly retained: RetainedStore;
  readonly persistence: BrokerPersistence;
  readonly decoder: PacketDecoder;
  /** Connections whose CONNECT was accepted. */
  readonly connectedCount: number;
  /** Takes over an existing connection with this client id, then resumes or creates the session. */
  openSession(connection: Connection, cleanStart: boolean, expiryInterval: number): OpenedSession;
  /** Stores (when retained) and delivers a message to every matching subscription. */
  route(message: Message): void;
  /** Adds or replaces a subscription; true when one with this filter existed. */
  subscribe(subscription: Subscription): boolean;
  unsubscribe(session: Session, filter: string): boolean;
  /** Called once when a connection's socket has closed. */
  connectionClosed(connection: Connection): void;
}
