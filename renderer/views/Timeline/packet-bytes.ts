// A packet's bytes for the detail panel: its head (everything before the payload) and the payload the
// record carries, with how they split and what is missing.
import type { TrafficRecord } from '../../../shared/contract/traffic.js';
import { base64Bytes, bytesText } from '../../lib/format.js';

export interface PacketBytes {
  bytes: Uint8Array;
  /** "fixed header 2 B · variable header 10 B · payload 7 B" */
  layout: string;
  /** Where the bytes come from. */
  source: string;
  /** What is not shown (a cut payload, the password), or null. */
  missing: string | null;
}

export function packetBytes(record: TrafficRecord): PacketBytes | null {
  if (record.head === null) return null;
  const head = base64Bytes(record.head);
  const payload = base64Bytes(record.payload);
  const bytes = new Uint8Array(head.length + payload.length);
  bytes.set(head);
  bytes.set(payload, head.length);
  const fixed = Math.min(head.length, 1 + remainingLengthBytes(head));
  const parts = [`fixed header ${bytesText(fixed)}`];
  if (head.length > fixed) parts.push(`${record.type === 'publish' ? 'variable header' : 'variable header and fields'} ${bytesText(head.length - fixed)}`);
  if (record.type === 'publish') parts.push(`payload ${bytesText(record.payloadSize)}`);
  const missing = [
    payload.length < record.payloadSize ? `only the first ${bytesText(payload.length)} of the payload are shown` : null,
    record.type === 'connect' && record.fields.password !== undefined ? 'the password is left out' : null,
  ].filter(Boolean).join('; ');
  return {
    bytes,
    layout: parts.join(' · '),
    source: record.side === 'broker'
      ? 'as on the wire (the broker\'s side)'
      : 'encoded again from the packet mqtt.js handled (it gives no bytes)',
    missing: missing || null,
  };
}

/** How many bytes the Remaining Length varint after the first byte takes (1–4). */
function remainingLengthBytes(head: Uint8Array): number {
  let n = 1;
  while (n < 4 && 1 + n <= head.length && (head[n] & 0x80) !== 0) n++;
  return n;
}
