// Outgoing QoS 1/2 messages in flight to one client, by packet id. Pure state, no I/O
// (rumqttc's MqttState idea): the session decides what to send from what this returns.
import type { StoredDelivery } from './persistence.js';

export class OutgoingInflight {
  // Made on first use: an idle client never has anything in flight.
  private byId: Map<number, StoredDelivery> | null = null;
  private lastId = 0;

  constructor(public window: number) {}

  get size(): number {
    return this.byId?.size ?? 0;
  }

  get full(): boolean {
    return this.size >= this.window;
  }

  /** Gives the delivery a free packet id (1..65535) and keeps it until acknowledged. */
  add(delivery: StoredDelivery): number {
    this.byId ??= new Map();
    if (this.byId.size >= 65535) throw new Error('no free packet identifier');
    let id = this.lastId;
    do id = id === 65535 ? 1 : id + 1;
    while (this.byId.has(id));
    this.lastId = id;
    delivery.packetId = id;
    this.byId.set(id, delivery);
    return id;
  }

  /** Puts back a delivery that already has its packet id (a resumed session). */
  restore(delivery: StoredDelivery & { packetId: number }): void {
    (this.byId ??= new Map()).set(delivery.packetId, delivery);
  }

  get(packetId: number): StoredDelivery | undefined {
    return this.byId?.get(packetId);
  }

  remove(packetId: number): StoredDelivery | undefined {
    const delivery = this.byId?.get(packetId);
    if (delivery) this.byId!.delete(packetId);
    return delivery;
  }

  /** In the order they were first sent: the order a resumed session resends them [MQTT-4.6.0-1]. */
  values(): IterableIterator<StoredDelivery> {
    return (this.byId ?? new Map<number, StoredDelivery>()).values();
  }

  clear(): void {
    this.byId = null;
  }
}
