// One client connection: bytes in through the framer and the broker's decoder, packets out through one
// corked writer per tick; keep-alive and connect timeout; the MQTT 5 limits the client asked for.
import type { Duplex } from 'node:stream';
import { generate, type IPublishPacket, type Packet } from 'mqtt-packet';
import { ReasonCode } from '../../shared/mqtt/reason-codes.js';
import type { BrokerCore } from './context.js';
import { dispatch, failConnection } from './dispatch.js';
import { encodeAck, encodeConnack, encodePublish, frameBytes, frameLength, type Frame } from './encode.js';
import { BrokerError } from './errors.js';
import { PacketFramer } from './framer.js';
import { generateWithUserProperties } from './publish-properties.js';
import type { Delivery } from './message.js';
import type { Session, SessionLink } from './session.js';

export type ProtocolVersion = 3 | 4 | 5;

/** Encoded QoS 0 PUBLISH frames shared by the subscribers of one publish that get the same bytes. */
export type EncodeCache = Array<Frame | undefined>;

const ACK_FIRST_BYTE = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;

let nextConnectionId = 1;

export class Connection implements SessionLink {
  readonly id = nextConnectionId++;
  clientId = '';
  username: string | undefined;
  protocolVersion: ProtocolVersion = 4;
  /** True once the CONNECT is accepted. */
  connected = false;
  session: Session | null = null;
  /** Seconds, as accepted; the client must send something within 1.5 × this [MQTT-3.1.2-24]. 0: no watch. */
  keepAlive = 0;
  /** The client sent DISCONNECT (normal): no will. */
  graceful = false;
  /** Why the connection ended, for events and logs. */
  closeReason = 'socket closed';
  /** No more packets are handled once the connection is ending. */
  ending = false;
  /** MQTT 5 limits the client set in its CONNECT. */
  clientMaxPacketSize = Infinity;
  clientTopicAliasMax = 0;
  /** Topic aliases the client set towards us (MQTT 5). */
  inAliases: Map<number, string> | null = null;
  private outAliases: Map<string, number> | null = null;
  private readonly framer: PacketFramer;
  private corked = false;
  private readonly openedAt = Date.now();
  private lastActivity = this.openedAt;

  constructor(
    readonly socket: Duplex,
    readonly remoteAddress: string,
    readonly broker: BrokerCore,
  ) {
    this.framer = new PacketFramer(broker.limits.maxPacketSize);
    // Shared listeners that find their connection on the socket: three closures less per connection.
    (socket as OwnedSocket)[CONNECTION] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  onData(chunk: Buffer): void {
    if (this.ending) return;
    this.lastActivity = Date.now();
    this.broker.stats.bytesReceived += chunk.length;
    const problem = this.framer.push(chunk, (bytes) => this.onFrame(bytes));
    if (!problem || this.ending) return;
    const max = this.broker.limits.maxPacketSize;
    failConnection(this, problem.kind === 'too large'
      ? new BrokerError(ReasonCode.PacketTooLarge, `packet of ${problem.size} bytes is larger than the maximum packet size ${max}`)
      : new BrokerError(ReasonCode.MalformedPacket, `malformed packet: ${problem.message}`));
  }

  /** One whole packet's bytes: decode, then dispatch. */
  private onFrame(bytes: Buffer): void {
    if (this.ending) return;
    const packet = this.broker.decoder.decode(bytes, this.protocolVersion);
    if (packet instanceof Error) {
      failConnection(this, new BrokerError(ReasonCode.MalformedPacket, `malformed packet: ${packet.message}`));
      return;
    }
    this.broker.stats.packetsReceived++;
    if (this.broker.events.tracingPackets) {
      this.broker.events.emit('packetIn', { connectionId: this.id, clientId: this.clientId, packet, bytes, time: Date.now() });
    }
    dispatch(this, packet, bytes);
  }

  /**
   * The broker calls this for every connection about twice a second (one timer for all of them, not one
   * each): it ends sockets that sent no CONNECT in time and clients silent past their keep-alive.
   */
  checkTimeouts(now: number): void {
    if (this.ending) return;
    if (!this.connected) {
      if (now - this.openedAt < this.broker.limits.connectTimeoutMs) return;
      this.closeReason = 'no CONNECT within the connect timeout';
      this.end();
      return;
    }
    const idle = now - this.lastActivity;
    if (this.keepAlive > 0 && idle >= this.keepAlive * 1500) {
      failConnection(this, new BrokerError(ReasonCode.KeepAliveTimeout, `no packet for ${idle} ms (keep-alive ${this.keepAlive} s)`));
    }
  }

  write(packet: Packet): void {
    if (this.ending) return;
    // mqtt-packet's encoder makes many small buffers: a 3.1.1 CONNACK, sent to every client, is made here.
    const frame = packet.cmd === 'connack' && this.protocolVersion !== 5
      ? encodeConnack(packet.sessionPresent, packet.returnCode ?? 0)
      : generate(packet, { protocolVersion: this.protocolVersion });
    this.writeFrame(frame, packet);
  }

  /** Writes encoded bytes; `packet` (or a function making it) and `willOf` feed the packetOut event. */
  private writeFrame(frame: Frame, packet: Packet | (() => Packet), willOf?: string): void {
    const { stats, events } = this.broker;
    stats.bytesSent += frameLength(frame);
    stats.packetsSent++;
    if (events.tracingPackets) {
      events.emit('packetOut', {
        connectionId: this.id, clientId: this.clientId, packet: typeof packet === 'function' ? packet() : packet,
        bytes: frameBytes(frame), time: Date.now(), willOf,
      });
    }
    // Everything written in this tick leaves in one writev.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    if (Buffer.isBuffer(frame)) {
      this.socket.write(frame);
    } else {
      this.socket.write(frame[0]);
      this.socket.write(frame[1]);
    }
  }

  /** More is waiting to be written than a slow consumer may hold. */
  get backedUp(): boolean {
    return this.socket.writableLength > this.broker.limits.maxWriteBufferBytes;
  }

  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }

  /**
   * Sends a PUBLISH, or drops it: a QoS 0 message when the socket is backed up (a slow consumer), any
   * message larger than the client's maximum packet size (then false).
   * Subscribers of one publish that get the same bytes share them through `cache`.
   */
  sendPublish(delivery: Delivery, packetId: number, dup: boolean, cache?: EncodeCache): boolean {
    if (this.ending) return true;
    const { message, qos } = delivery;
    if (qos === 0 && this.backedUp) {
      this.dropped(message.topic, 'slow consumer');
      return true;
    }
    const v5 = this.protocolVersion === 5;
    const perClient = delivery.subscriptionIds !== undefined || (v5 && this.clientTopicAliasMax > 0);
    const plain = !v5 || (!message.properties && message.expiresAt === undefined && !perClient);
    const slot = qos === 0 && cache && !perClient ? (plain ? 0 : 4) + (v5 ? 2 : 0) + (delivery.retain ? 1 : 0) : -1;
    let packet: IPublishPacket | undefined;
    let newAlias: number | undefined;
    let frame = slot >= 0 ? cache![slot] : undefined;
    if (!frame && plain) {
      frame = encodePublish(message.topic, message.payload, qos, delivery.retain, dup, packetId, v5);
    } else if (!frame) {
      packet = this.publishPacket(delivery, packetId, dup);
      if (this.clientTopicAliasMax > 0) newAlias = this.applyTopicAlias(packet);
      frame = message.userPropertyOrder && v5
        ? generateWithUserProperties(packet, message.userPropertyOrder)
        : generate(packet, { protocolVersion: this.protocolVersion });
    }
    if (slot >= 0) cache![slot] = frame;
    if (frameLength(frame) > this.clientMaxPacketSize) {
      // Never more than the client said it can take; the message is dropped for it (MQTT 5 §3.1.2.11.4).
      if (newAlias !== undefined) this.outAliases!.delete(message.topic);
      this.dropped(message.topic, 'too large for client');
      return false;
    }
    this.broker.stats.publishSent++;
    this.writeFrame(frame, packet ?? (() => this.publishPacket(delivery, packetId, dup)), message.willOf);
    return true;
  }

  sendPubrel(packetId: number): void {
    this.writeAck('pubrel', packetId);
  }

  /**
   * PUBACK, PUBREC, PUBREL or PUBCOMP. Success is the same four bytes in 3.1.1 and in MQTT 5's short
   * form without a reason code (§3.4.2.1), which older clients such as Paho 1.6 expect.
   */
  writeAck(cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', messageId: number, reasonCode = 0): void {
    if (this.ending) return;
    const packet = { cmd, messageId, reasonCode } as Packet;
    if (reasonCode !== 0) return this.write(packet);
    this.writeFrame(encodeAck(ACK_FIRST_BYTE[cmd], messageId), packet);
  }

  private publishPacket(delivery: Delivery, packetId: number, dup: boolean): IPublishPacket {
    const { message, qos } = delivery;
    const packet: IPublishPacket = {
      cmd: 'publish', topic: message.topic, payload: message.payload, qos, retain: delivery.retain, dup,
    };
    if (packetId) packet.messageId = packetId;
    if (this.protocolVersion === 5) packet.properties = this.publishProperties(delivery);
    return packet;
  }

  private publishProperties(delivery: Delivery): IPublishPacket['properties'] {
    const { message } = delivery;
    const properties: NonNullable<IPublishPacket['properties']> = { ...message.properties };
    if (message.expiresAt !== undefined) {
      // The receiver sees the time left, not the time the publisher gave [MQTT-3.3.2-6].
      properties.messageExpiryInterval = Math.max(1, Math.ceil((message.expiresAt - Date.now()) / 1000));
    }
    if (delivery.subscriptionIds) {
      properties.subscriptionIdentifier = delivery.subscriptionIds.length === 1 ? delivery.subscriptionIds[0] : delivery.subscriptionIds;
    }
    return properties;
  }

  /** Uses (or sets up) an outgoing topic alias; returns the alias when it was new. */
  private applyTopicAlias(packet: IPublishPacket): number | undefined {
    this.outAliases ??= new Map();
    const existing = this.outAliases.get(packet.topic);
    if (existing !== undefined) {
      packet.properties!.topicAlias = existing;
      packet.topic = '';
      return undefined;
    }
    if (this.outAliases.size >= this.clientTopicAliasMax) return undefined;
    const alias = this.outAliases.size + 1;
    this.outAliases.set(packet.topic, alias);
    packet.properties!.topicAlias = alias;
    return alias;
  }

  private dropped(topic: string, reason: 'slow consumer' | 'too large for client'): void {
    this.broker.stats.publishDropped++;
    this.broker.events.emit('messageDropped', { clientId: this.clientId, topic, reason });
  }

  /** Closes after what is written has left. */
  end(): void {
    if (this.ending) return;
    this.ending = true;
    this.socket.end();
    // A peer that never closes its side must not keep the socket forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  onClose(): void {
    this.ending = true;
    this.broker.connectionClosed(this);
  }
}

const CONNECTION = Symbol('connection');
type OwnedSocket = Duplex & { [CONNECTION]: Connection };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[CONNECTION].onData(chunk);
}

function onSocketError(this: OwnedSocket, error: Error): void {
  const connection = this[CONNECTION];
  if (!connection.ending) connection.closeReason = `socket error: ${error.message}`;
}

function onSocketClose(this: OwnedSocket): void {
  this[CONNECTION].onClose();
}

function uncork(connection: Connection): void {
  connection.uncork();
}

