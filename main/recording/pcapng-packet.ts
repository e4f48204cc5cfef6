// A traffic record → the MQTT packet's bytes as far as the log kept them, and its real length.
import type { TrafficRecord } from '../../shared/contract/traffic.js';

export interface PacketBytes {
  /** head || payload, as much of it as was kept. */
  data: Buffer;
  /** The whole packet's length, from its fixed header. */
  length: number;
}

/**
 * null when the record has no head (logged before bytes were kept, or not encodable) or the head does
 * not start with a valid fixed header. The length comes from the packet's own remaining-length field,
 * not from head + payloadSize: that also covers the CONNECT password, which is never in the head.
 */
export function packetBytes(record: TrafficRecord): PacketBytes | null {
  if (record.head === null) return null;
  const head = Buffer.from(record.head, 'base64');
  const remaining = remainingLength(head);
  if (remaining === null) return null;
  const length = 1 + remaining.bytes + remaining.value;
  const payload = record.payload ? Buffer.from(record.payload, 'base64') : Buffer.alloc(0);
  const data = Buffer.concat([head, payload]);
  return { data: data.length > length ? data.subarray(0, length) : data, length };
}

/** MQTT's variable-length integer after the first byte: 1–4 bytes, 7 bits each, low first. */
function remainingLength(head: Buffer): { value: number; bytes: number } | null {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const byte = head[1 + i];
    if (byte === undefined) return null;
    value += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return { value, bytes: i + 1 };
  }
  return null;
}
