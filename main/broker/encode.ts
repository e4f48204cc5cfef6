// Hand-made encodings for what the broker sends most: acknowledgements and PUBLISH packets without
// properties. mqtt-packet encodes everything else. A large payload is not copied: it is written after
// its header as a second buffer.

import { writeToStream } from 'mqtt-packet';
import { varintSize, writeVarint } from './varint.js';

// mqtt-packet otherwise keeps 65,536 two-byte buffers (about 6 MB) to encode numbers with; the broker
// encodes its hot packets itself and the rest are few.
writeToStream.cacheNumbers = false;

/** One encoded packet: whole, or a header and the payload that follows it. */
export type Frame = Buffer | readonly [Buffer, Buffer];

export function frameLength(frame: Frame): number {
  return Buffer.isBuffer(frame) ? frame.length : frame[0].length + frame[1].length;
}

export function frameBytes(frame: Frame): Buffer {
  return Buffer.isBuffer(frame) ? frame : Buffer.concat(frame);
}

const COPY_LIMIT = 2048;

/** PUBACK (0x40), PUBREC (0x50), PUBREL (0x62) or PUBCOMP (0x70) with success: the same four bytes in 3.1.1 and 5. */
export function encodeAck(firstByte: number, packetId: number): Buffer {
  return Buffer.from([firstByte, 2, packetId >> 8, packetId & 0xff]);
}

/** A 3.1.1 CONNACK. */
export function encodeConnack(sessionPresent: boolean, returnCode: number): Buffer {
  return Buffer.from([0x20, 2, sessionPresent ? 1 : 0, returnCode]);
}

/** A PUBLISH with no properties (3.1.1, or 5 with an empty property section). */
export function encodePublish(
  topic: string, payload: Buffer, qos: number, retain: boolean, dup: boolean, packetId: number, v5: boolean,
): Frame {
  const topicLength = Buffer.byteLength(topic);
  const variable = 2 + topicLength + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0);
  const remaining = variable + payload.length;
  const headerLength = 1 + varintSize(remaining) + variable;
  const copy = payload.length <= COPY_LIMIT;
  const out = Buffer.allocUnsafe(copy ? headerLength + payload.length : headerLength);
  out[0] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
  let at = writeVarint(out, 1, remaining);
  out.writeUInt16BE(topicLength, at);
  at += 2 + out.write(topic, at + 2, 'utf8');
  if (qos > 0) at = out.writeUInt16BE(packetId, at);
  if (v5) out[at++] = 0;
  if (!copy) return [out, payload];
  payload.copy(out, at);
  return out;
}
