import type { Delivery, Message, QoS } from './message.js';

/** A subscription as a session keeps it (the filter as the client sent it, `$share/...` included). */
export interface StoredSubscription {
  filter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  subscriptionId?: number;
}

/** A QoS 1/2 delivery held for a session: queued, or in flight with a packet id. */
export interface StoredDelivery extends Delivery {
  /** Order within the session; strictly increasing. */
  seq: number;
  state: 'queued' | 'publish-sent' | 'pubrel-sent';
  packetId?: number;
}

export interface StoredSession {
  clientId: string;
  /** Seconds; 0xFFFFFFFF means the session never expires. */
  expiryInterval: number;
  /** Epoch ms of the last disconnect; null while (or if last seen) connected. */
  disconnectedAt: number | null;
  subscriptions: StoredSubscription[];
  /** Ordered by seq. */
  deliveries: StoredDelivery[];
  /** Packet ids of incoming QoS 2 messages awaiting PUBREL (exactly-once across restarts). */
  incomingQos2: number[];
}

export interface PersistedState {
  retained: Message[];
  sessions: StoredSession[];
}

/**
 * Where the broker keeps durable state. Writes may be buffered; `afterCommit` runs its callback once
 * everything written so far is durable (immediately when nothing is pending). The broker acknowledges
 * QoS 1/2 publishes through it, so an acknowledged message survives a crash.
 * Only persistent sessions (expiry > 0) are written.
 */
export interface BrokerPersistence {
  /** False for the in-memory default: the broker then skips the bookkeeping. */
  readonly durable: boolean;
  load(): PersistedState;
  setRetained(message: Message): void;
  deleteRetained(topic: string): void;
  saveSession(clientId: string, expiryInterval: number, disconnectedAt: number | null): void;
  /** Removes the session with its subscriptions, deliveries and incoming QoS 2 ids. */
  deleteSession(clientId: string): void;
  saveSubscription(clientId: string, subscription: StoredSubscription): void;
  deleteSubscription(clientId: string, filter: string): void;
  /** Inserts or replaces the delivery with this seq. */
  saveDelivery(clientId: string, delivery: StoredDelivery): void;
  deleteDelivery(clientId: string, seq: number): void;
  addIncomingQos2(clientId: string, packetId: number): void;
  deleteIncomingQos2(clientId: string, packetId: number): void;
  afterCommit(callback: () => void): void;
  /** Commits pending writes now. */
  flush(): void;
  close(): void;
}

/** The default: state lives only in the broker's memory. */
export const memoryPersistence: BrokerPersistence = {
  durable: false,
  load: () => ({ retained: [], sessions: [] }),
  setRetained() {},
  deleteRetained() {},
  saveSession() {},
  deleteSession() {},
  saveSubscription() {},
  deleteSubscription() {},
  saveDelivery() {},
  deleteDelivery() {},
  addIncomingQos2() {},
  deleteIncomingQos2() {},
  afterCommit: (callback) => callback(),
  flush() {},
  close() {},
};
