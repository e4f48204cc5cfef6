// IPv4 + TCP headers around a slice of an MQTT byte stream, with correct checksums, so a capture of
// synthesized segments reads like one taken on the loopback interface.

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

const IP_HEADER = 20;
const TCP_HEADER = 20;
const TTL = 64;
const PROTO_TCP = 6;

/** The most TCP payload one IPv4 packet can carry with our headers (total length is 16 bits). */
export const MAX_SEGMENT = 0xffff - IP_HEADER - TCP_HEADER;

export interface TcpSegment {
  /** IPv4 addresses as unsigned 32-bit numbers. */
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  ipId: number;
  /** TCP options (SYN only), a multiple of 4 bytes. */
  options?: Buffer;
  /** The captured part of the segment's payload. */
  data: Buffer;
  /** The payload's real length: more than data.length when its tail was not kept. */
  length: number;
}

/** The packet's captured bytes and its length on the wire. */
export function ipv4TcpPacket(s: TcpSegment): { bytes: Buffer; originalLength: number } {
  const options = s.options ?? Buffer.alloc(0);
  const tcpHeader = TCP_HEADER + options.length;
  const originalLength = IP_HEADER + tcpHeader + s.length;
  const bytes = Buffer.alloc(IP_HEADER + tcpHeader + s.data.length);

  bytes[0] = 0x45; // version 4, header length 5 words
  bytes.writeUInt16BE(originalLength, 2);
  bytes.writeUInt16BE(s.ipId & 0xffff, 4);
  bytes.writeUInt16BE(0x4000, 6); // don't fragment
  bytes[8] = TTL;
  bytes[9] = PROTO_TCP;
  bytes.writeUInt32BE(s.src >>> 0, 12);
  bytes.writeUInt32BE(s.dst >>> 0, 16);
  bytes.writeUInt16BE(checksum([bytes.subarray(0, IP_HEADER)]), 10);

  const tcp = bytes.subarray(IP_HEADER);
  tcp.writeUInt16BE(s.srcPort, 0);
  tcp.writeUInt16BE(s.dstPort, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE(s.ack >>> 0, 8);
  tcp[12] = (tcpHeader / 4) << 4;
  tcp[13] = s.flags;
  tcp.writeUInt16BE(s.window, 14);
  options.copy(tcp, TCP_HEADER);
  s.data.copy(tcp, tcpHeader);

  // The pseudo-header carries the real TCP length. A segment whose tail was not captured cannot be
  // checked by anyone (Wireshark says "unverified"); its sum covers the captured bytes only.
  const pseudo = Buffer.alloc(12);
  pseudo.writeUInt32BE(s.src >>> 0, 0);
  pseudo.writeUInt32BE(s.dst >>> 0, 4);
  pseudo[9] = PROTO_TCP;
  pseudo.writeUInt16BE(tcpHeader + s.length, 10);
  tcp.writeUInt16BE(checksum([pseudo, tcp]), 16);
  return { bytes, originalLength };
}

/** The Internet checksum (RFC 1071) over the parts in order, as if they were one buffer. */
export function checksum(parts: Buffer[]): number {
  let sum = 0;
  let odd: number | null = null; // a byte left over from a part of odd length
  for (const part of parts) {
    let i = 0;
    if (odd !== null && part.length > 0) {
      sum += (odd << 8) | part[0]!;
      odd = null;
      i = 1;
    }
    for (; i + 1 < part.length; i += 2) {
      sum += (part[i]! << 8) | part[i + 1]!;
      // Fold before the sum leaves 32 bits (where & and >>> would drop its high bits).
      if (sum > 0x7fffffff) sum = (sum & 0xffff) + (sum >>> 16);
    }
    if (i < part.length) odd = part[i]!;
  }
  if (odd !== null) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
