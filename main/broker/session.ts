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
  // Collections are made on first use: most idle connections never need them, and each empty Map or
  // Set costs about 200 bytes.
  private subscriptionMap: Map<string, Subscription> | null = null;
  private qos2Ids: Set<number> | null = null;
  readonly inflight: OutgoingInflight;
  will: Will | null = null;
  willTimer: Timer | null = null;
  expiryTimer: Timer | null = null;
  /** The user name of the connection that opened it, for ACL checks on delivery. */
  username: string | undefined;
  /** Epoch ms when its last connection ended; null while connected. */
  offlineSince: number | null = null;
  /** Stamp used by the broker to find a session matched twice by one publish. */
  routeStamp = 0;
  private queue = new Fifo<StoredDelivery>();
  /** In-flight PUBLISHes not yet resent on this connection (see attach). */
  private resend: StoredDelivery[] = [];
  private nextSeq = 1;

  constructor(
    readonly clientId: string,
    /** Seconds; 0 ends the session with the connection. */
    public expiryInterval: number,
    private readonly env: SessionEnv,
  ) {
    this.inflight = new OutgoingInflight(env.limits.maxInflight);
  }

  get subscriptions(): Map<string, Subscription> {
    return (this.subscriptionMap ??= new Map());
  }

  /** Packet ids of incoming QoS 2 messages awaiting PUBREL. */
  get incomingQos2(): Set<number> {
    return (this.qos2Ids ??= new Set());
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
    const stored: StoredDelivery = {
      message: delivery.message, qos: delivery.qos, retain: delivery.retain, seq: this.nextSeq++, state: 'queued',
    };
    if (delivery.subscriptionIds) stored.subscriptionIds = delivery.subscriptionIds;
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

  /**
   * Attaches a connection: PUBRELs again, unacknowledged PUBLISHes again with DUP and their packet ids
   * [MQTT-4.4.0-1] as the client's receive maximum allows [MQTT-3.3.4-9], then what is queued, in order.
   */
  attach(link: SessionLink, receiveMaximum: number): void {
    this.link = link;
    this.inflight.window = Math.min(receiveMaximum, this.env.limits.maxInflight);
    // Every delivery in flight counts against the quota until its PUBACK/PUBCOMP, resent or not (§4.9).
    const all = [...this.inflight.values()];
    this.resend = all.filter((d) => d.state === 'publish-sent');
    let onWire = all.length - this.resend.length;
    for (const delivery of all) {
      if (delivery.state === 'pubrel-sent') {
        link.sendPubrel(delivery.packetId!);
      } else if (onWire < this.inflight.window && this.resend[0] === delivery) {
        this.resend.shift();
        onWire++;
        if (!link.sendPublish(delivery, delivery.packetId!, true)) {
          this.forget(delivery);
          onWire--;
        }
      }
    }
    this.drain();
  }

  detach(): void {
    this.link = null;
    this.resend = [];
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
    this.qos2Ids = null;
  }

  private drain(): void {
    while (this.link) {
      if (this.resend.length > 0) {
        // PUBLISHes still to resend are in `inflight` but not yet on the wire.
        if (this.inflight.size - this.resend.length >= this.inflight.window) return;
        const delivery = this.resend.shift()!;
        if (!this.link.sendPublish(delivery, delivery.packetId!, true)) this.forget(delivery);
        continue;
      }
      if (this.inflight.full) return;
      const next = this.queue.shift();
      if (!next) return;
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

  /** Drops an in-flight delivery the client cannot take. */
  private forget(delivery: StoredDelivery): void {
    this.inflight.remove(delivery.packetId!);
    if (this.durable) this.env.persistence.deleteDelivery(this.clientId, delivery.seq);
  }

  private sendNew(delivery: StoredDelivery): void {
    const packetId = this.inflight.add(delivery);
    delivery.state = 'publish-sent';
    if (!this.link!.sendPublish(delivery, packetId, false)) {
      this.forget(delivery);
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
