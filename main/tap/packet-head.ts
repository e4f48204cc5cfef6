// The bytes of a packet up to its payload, for the timeline's byte view. The payload is logged on its
// own, so it is not kept twice; a CONNECT's password (its last field) is never kept.
import { generate, type Packet } from 'mqtt-packet';

/** `bytes` (one whole packet) without the payload of a PUBLISH and without a CONNECT's password. */
export function packetHead(packet: Packet, bytes: Buffer): Buffer {
  let tail = 0;
  if (packet.cmd === 'publish') tail = byteLength(packet.payload);
  // The password is the CONNECT's last field: two length bytes, then the password.
  else if (packet.cmd === 'connect' && packet.password != null) tail = 2 + byteLength(packet.password);
  return tail === 0 ? bytes : bytes.subarray(0, Math.max(0, bytes.length - tail));
}

/**
 * The head of a packet mqtt.js sent or decoded, by encoding it again with mqtt-packet (the encoder
 * mqtt.js writes with). null if it cannot be encoded, so a quirk of one packet never stops the log.
 */
export function encodedHead(packet: Packet, protocolVersion: number): Buffer | null {
  try {
    return packetHead(packet, generate(packet, { protocolVersion }));
  } catch {
    return null;
  }
}

function byteLength(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof Uint8Array) return value.length;
  return 0;
}
