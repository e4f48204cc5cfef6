// Synthesized TCP connections, one per MQTT connection: a handshake, then sequence and ack numbers that
// advance with the bytes each way, so Wireshark reassembles and dissects the stream as it would a real one.
import type { PacketBytes } from './pcapng-packet.js';
import { MAX_SEGMENT, TCP_ACK, TCP_PSH, TCP_SYN, ipv4TcpPacket } from './pcapng-tcp.js';

/** Where the broker appears to listen: MQTT's registered port, so Wireshark dissects it without help. */
export const BROKER_ADDRESS = 0x7f000001; // 127.0.0.1
export const BROKER_PORT = 1883;
/** Clients get ephemeral ports from here; after 16384 connections the next address (127.0.0.2, …). */
const FIRST_CLIENT_PORT = 49152;
const PORTS = 16384;

/** Window scale 14 with a full window field: 1 GiB, more than any MQTT packet, so no "window full". */
const WINDOW = 0xffff;
const WINDOW_SHIFT = 14;
/** MSS (kind 2), NOP, window scale (kind 3): both ends announce them in their SYN. */
const SYN_OPTIONS = Buffer.from([2, 4, MAX_SEGMENT >> 8, MAX_SEGMENT & 0xff, 1, 3, 3, WINDOW_SHIFT]);

export interface Frame {
  bytes: Buffer;
  originalLength: number;
}

export class TcpStream {
  readonly clientAddress: number;
  readonly clientPort: number;
  /** Next sequence number each way. */
  private clientSeq: number;
  private brokerSeq: number;
  private clientIpId = 0;
  private brokerIpId = 0;
  /** Whether any MQTT bytes went through it (a CONNECT on a used stream starts a new one). */
  used = false;

  constructor(readonly index: number) {
    this.clientAddress = (BROKER_ADDRESS + Math.floor(index / PORTS)) >>> 0;
    this.clientPort = FIRST_CLIENT_PORT + (index % PORTS);
    // Fixed per index, so the same records always give the same file.
    this.clientSeq = Math.imul(index + 1, 0x9e3779b1) >>> 0;
    this.brokerSeq = (this.clientSeq ^ 0x5bd1e995) >>> 0;
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(): Frame[] {
    const syn = this.frame(true, TCP_SYN, Buffer.alloc(0), 0, SYN_OPTIONS, 0);
    this.clientSeq = (this.clientSeq + 1) >>> 0;
    const synAck = this.frame(false, TCP_SYN | TCP_ACK, Buffer.alloc(0), 0, SYN_OPTIONS);
    this.brokerSeq = (this.brokerSeq + 1) >>> 0;
    return [syn, synAck, this.frame(true, TCP_ACK, Buffer.alloc(0), 0)];
  }

  /**
   * One MQTT packet as one segment (or several when it is larger than an IPv4 packet can carry).
   * Sequence numbers advance by the packet's real length even where its tail was not captured, so the
   * packets after it still line up.
   */
  packet(fromClient: boolean, packet: PacketBytes): Frame[] {
    this.used = true;
    const frames: Frame[] = [];
    for (let offset = 0; offset < packet.length; offset += MAX_SEGMENT) {
      const length = Math.min(MAX_SEGMENT, packet.length - offset);
      const last = offset + length >= packet.length;
      const data = packet.data.subarray(Math.min(offset, packet.data.length), Math.min(offset + length, packet.data.length));
      frames.push(this.frame(fromClient, last ? TCP_PSH | TCP_ACK : TCP_ACK, data, length));
      if (fromClient) this.clientSeq = (this.clientSeq + length) >>> 0;
      else this.brokerSeq = (this.brokerSeq + length) >>> 0;
    }
    return frames;
  }

  private frame(fromClient: boolean, flags: number, data: Buffer, length: number, options?: Buffer, ack?: number): Frame {
    const client = { address: this.clientAddress, port: this.clientPort };
    const broker = { address: BROKER_ADDRESS, port: BROKER_PORT };
    const [src, dst] = fromClient ? [client, broker] : [broker, client];
    return ipv4TcpPacket({
      src: src.address, dst: dst.address, srcPort: src.port, dstPort: dst.port,
      seq: fromClient ? this.clientSeq : this.brokerSeq,
      ack: ack ?? (fromClient ? this.brokerSeq : this.clientSeq),
      flags, window: WINDOW,
      ipId: fromClient ? this.clientIpId++ : this.brokerIpId++,
      ...(options ? { options } : {}),
      data, length,
    });
  }
}

/** The current TCP stream of each MQTT connection. */
export class TcpStreams {
  private readonly current = new Map<string, TcpStream>();
  private count = 0;

  /**
   * The stream for `connection`, and the handshake frames to write first when it is new. A CONNECT from
   * the client on a stream that already carried packets is a reconnect: it gets a fresh stream.
   */
  streamFor(connection: string, isConnect: boolean): { stream: TcpStream; handshake: Frame[] } {
    const stream = this.current.get(connection);
    if (stream && !(isConnect && stream.used)) return { stream, handshake: [] };
    const fresh = new TcpStream(this.count++);
    this.current.set(connection, fresh);
    return { stream: fresh, handshake: fresh.handshake() };
  }
}
