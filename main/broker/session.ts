// One client's session: subscriptions, the QoS 1/2 messages in flight or queued for it, incoming
// QoS 2 ids, and its will. It outlives connections when persistent (expiry > 0).
import type { EncodeCache } from './connection.js';
import type { BrokerEventEmitter } from './events.js';
import { OutgoingInflight } from './inflight.js';
import type { Delivery, Message } from './message.js';
import type { BrokerLimits } from './options.js';
import type { BrokerPersistence, StoredDelivery, StoredSubscription } from './persistence.js';
import type { Timer } from './timers.js';

/** What a session needs of the connection it is attached to. */
export interface SessionLink {
  /** False when the client cannot take it (larger than its maximum packet size). */
  sendPublish(delivery: Delivery, packetId: number, dup: boolean, cache?: EncodeCache): boolean;
  sendPubrel(packetId: number): void;
}

export interface SessionEnv {
  persistence: BrokerPersistence;
  events: BrokerEventEmitter;
  limits: BrokerLimits;
}

export interface Subscription extends StoredSubscription {
  session: Session;
  /** The filter matched against topics (without `$share/group/`). */
  topicFilter: string;
  shareGroup?: string;
}

export interface Will {
  /** Its expiresAt is set when it is published, from messageExpiryInterval. */
  message: Message;
  /** Seconds (MQTT 5 will delay interval). */
  delay: number;
  /** Seconds (MQTT 5 message expiry interval of the will). */
  messageExpiryInterval?: number;
  /** Whose will it is, for the ACL check when it is published. */
  username?: string;
}

export const NEVER_EXPIRES = 0xffffffff;

export class Session {
  link: SessionLink | null = null;
  readonly subscriptions = new Map<string, Subscription>();
  readonly inflight: OutgoingInflight;
  readonly incomingQos2 = new Set<number>();
  will: Will | null = null;
  willTimer: Timer | null = null;
  expiryTimer: Timer | null = null;
  /** The user name of the connection that opened it, for ACL checks on delivery. */
  username: string | undefined;
  /** Stamp used by the broker to find a session matched twice by one publish. */
  routeStamp = 0;
  private queue = new Fifo<StoredDelivery>();
  private nextSeq = 1;

  constructor(
    readonly clientId: string,
    /** Seconds; 0 ends the session with the connection. */
    public expiryInterval: number,
    private readonly env: SessionEnv,
  ) {
    this.inflight = new OutgoingInflight(env.limits.maxInflight);
  }

  get persistent(): boolean {
    return this.expiryInterval > 0;
  }

  /** Only persistent sessions of a durable broker write through to the store. */
  private get durable(): boolean {
    return this.persistent && this.env.persistence.durable;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** Takes a message for this client; `force` ignores the queue limit (retained messages on subscribe). */
  deliver(delivery: Delivery, force = false, cache?: EncodeCache): void {
    if (delivery.qos === 0) {
      this.link?.sendPublish(delivery, 0, false, cache);
      return;
    }
    const stored: StoredDelivery = { ...delivery, seq: this.nextSeq++, state: 'queued' };
    if (this.link && !this.inflight.full && this.queue.length === 0) {
      this.sendNew(stored);
    } else if (this.queue.length >= this.env.limits.maxQueuedMessages && !force) {
      this.dropped(delivery.message.topic, 'queue full');
    } else {
      this.queue.push(stored);
      if (this.durable) this.env.persistence.saveDelivery(this.clientId, stored);
    }
  }

  /** PUBACK for a QoS 1 delivery. False when the id is unknown. */
  acknowledge(packetId: number): boolean {
    const delivery = this.inflight.remove(packetId);
    if (!delivery) return false;
    if (this.durable) this.env.persistence.deleteDelivery(this.clientId, delivery.seq);
    this.drain();
    return true;
  }

  /** PUBREC for a QoS 2 delivery: send PUBREL, or give up when the client refused it. */
  received(packetId: number, refused: boolean): boolean {
    const delivery = this.inflight.get(packetId);
    if (!delivery) return false;
    if (refused) return this.acknowledge(packetId);
    delivery.state = 'pubrel-sent';
    if (this.durable) this.env.persistence.saveDelivery(this.clientId, delivery);
    this.link?.sendPubrel(packetId);
    return true;
  }

  /** Attaches a connection: resend what is in flight (DUP set) then send what is queued [MQTT-4.4.0-1]. */
  attach(link: SessionLink, receiveMaximum: number): void {
    this.link = link;
    this.inflight.window = Math.min(receiveMaximum, this.env.limits.maxInflight);
    for (const delivery of [...this.inflight.values()]) {
      const packetId = delivery.packetId!;
      if (delivery.state === 'pubrel-sent') link.sendPubrel(packetId);
      else if (!link.sendPublish(delivery, packetId, true)) this.acknowledge(packetId);
    }
    this.drain();
  }

  detach(): void {
    this.link = null;
  }

  /** Puts back a delivery loaded from the store. */
  restore(delivery: StoredDelivery): void {
    this.nextSeq = Math.max(this.nextSeq, delivery.seq + 1);
    if (delivery.state !== 'queued' && delivery.packetId !== undefined) {
      this.inflight.restore({ ...delivery, packetId: delivery.packetId });
    } else {
      this.queue.push(delivery);
    }
  }

  /** Everything held for this client, in flight first: for introspection. */
  pending(): StoredDelivery[] {
    return [...this.inflight.values(), ...this.queue.values()];
  }

  /** Forgets every message (the session is being discarded). */
  clearMessages(): void {
    this.inflight.clear();
    this.queue = new Fifo();
    this.incomingQos2.clear();
  }

  private drain(): void {
    while (this.link && !this.inflight.full && this.queue.length > 0) {
      const next = this.queue.shift()!;
      const expiresAt = next.message.expiresAt;
      if (expiresAt !== undefined && expiresAt <= Date.now()) {
        // Expired before onward delivery started [MQTT-3.3.2-5].
        if (this.durable) this.env.persistence.deleteDelivery(this.clientId, next.seq);
        this.dropped(next.message.topic, 'expired');
        continue;
      }
      this.sendNew(next);
    }
  }

  private sendNew(delivery: StoredDelivery): void {
    const packetId = this.inflight.add(delivery);
    delivery.state = 'publish-sent';
    if (!this.link!.sendPublish(delivery, packetId, false)) {
      this.inflight.remove(packetId);
      if (this.durable) this.env.persistence.deleteDelivery(this.clientId, delivery.seq);
      return;
    }
    if (this.durable) this.env.persistence.saveDelivery(this.clientId, delivery);
  }

  private dropped(topic: string, reason: 'queue full' | 'expired'): void {
    this.env.events.emit('messageDropped', { clientId: this.clientId, topic, reason });
  }
}

/** A queue with O(1) shift (Array.shift is O(n), and a session may hold many messages). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  values(): T[] {
    return this.items.slice(this.head);
  }
}
