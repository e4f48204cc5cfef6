import { EventEmitter } from 'node:events';
import type { Packet } from 'mqtt-packet';
import type { Message, QoS } from './message.js';

export interface PacketEvent {
  connectionId: number;
  /** Empty until the CONNECT has been accepted. */
  clientId: string;
  packet: Packet;
  /** The packet exactly as it was on the wire. */
  bytes: Buffer;
  /** Out: a PUBLISH delivering the will of this client id. */
  willOf?: string;
  /** Epoch ms. */
  time: number;
}

export interface ClientEvent {
  connectionId: number;
  clientId: string;
  remoteAddress: string;
  protocolVersion: number;
  username?: string;
  cleanStart: boolean;
  keepAlive: number;
}

export interface ClientDisconnectedEvent {
  connectionId: number;
  clientId: string;
  /** Why it ended: 'disconnect' (the client sent DISCONNECT), 'socket closed', 'keep-alive timeout', 'taken over', a protocol error… */
  reason: string;
  graceful: boolean;
}

export interface SessionEvent {
  clientId: string;
  change: 'created' | 'resumed' | 'offline' | 'expired' | 'discarded';
  expiryInterval: number;
}

export interface SubscriptionEvent {
  clientId: string;
  filter: string;
  change: 'added' | 'removed';
  qos?: QoS;
}

export interface RetainedEvent {
  topic: string;
  change: 'set' | 'cleared';
  message?: Message;
}

export interface DroppedEvent {
  clientId: string;
  topic: string;
  reason: 'queue full' | 'slow consumer' | 'expired' | 'too large for client' | 'not authorized';
}

export interface WillEvent {
  clientId: string;
  topic: string;
}

/** Everything the broker tells observers; the traffic tap's only source. */
export interface BrokerEvents {
  packetIn: [PacketEvent];
  packetOut: [PacketEvent];
  clientConnected: [ClientEvent];
  clientDisconnected: [ClientDisconnectedEvent];
  sessionChanged: [SessionEvent];
  subscriptionChanged: [SubscriptionEvent];
  retainedChanged: [RetainedEvent];
  messageDropped: [DroppedEvent];
  willPublished: [WillEvent];
  connectionError: [{ connectionId: number; remoteAddress: string; error: Error }];
}

/** A typed emitter that also knows, without a lookup per packet, whether anybody listens to packets. */
export class BrokerEventEmitter extends EventEmitter<BrokerEvents> {
  /** True while someone listens to packetIn or packetOut: the hot path checks this one field. */
  tracingPackets = false;

  constructor() {
    super();
    const update = () => {
      this.tracingPackets = this.listenerCount('packetIn') + this.listenerCount('packetOut') > 0;
    };
    // The typed map has no entries for the emitter's own meta events.
    const untyped = this as EventEmitter;
    untyped.on('newListener', (name: string) => {
      if (name === 'packetIn' || name === 'packetOut') this.tracingPackets = true;
    });
    untyped.on('removeListener', update);
  }
}
