// MQTT 5 user properties must be forwarded in their order [MQTT-3.3.2-18]. mqtt-packet decodes them into
// an object keyed by name, which loses that order when a name repeats between others (a, b, a) or names
// are numbers. For those messages the broker reads the pairs from the packet bytes and writes them back.
import { generate, type IPublishPacket, type UserProperties } from 'mqtt-packet';

export type UserPropertyPairs = Array<[string, string]>;

export function orderAtRisk(properties: UserProperties): boolean {
  const names = Object.keys(properties);
  return names.length > 1 && names.some((name) => Array.isArray(properties[name]) || /^\d+$/.test(name));
}

// Byte sizes of the MQTT 5 properties other than user properties (§2.2.2.2); -1: string, -2: binary, 0: varint.
const FIXED: Record<number, number> = {
  0x01: 1, 0x17: 1, 0x19: 1, 0x24: 1, 0x25: 1, 0x28: 1, 0x29: 1, 0x2a: 1,
  0x13: 2, 0x21: 2, 0x22: 2, 0x23: 2, 0x02: 4, 0x11: 4, 0x18: 4, 0x27: 4, 0x0b: 0,
  0x03: -1, 0x08: -1, 0x12: -1, 0x15: -1, 0x1a: -1, 0x1c: -1, 0x1f: -1, 0x09: -2, 0x16: -2,
};
const USER_PROPERTY = 0x26;

function readVarint(bytes: Buffer, at: number): { value: number; size: number } {
  let value = 0;
  let size = 0;
  let byte: number;
  do {
    byte = bytes[at + size];
    value += (byte & 0x7f) * 128 ** size;
    size++;
  } while (byte & 0x80 && size < 4);
  return { value, size };
}

/** Where the properties of the PUBLISH packet in `bytes` start and end. */
function propertiesSpan(bytes: Buffer) {
  const header = readVarint(bytes, 1);
  const body = 1 + header.size;
  const qos = (bytes[0] >> 1) & 3;
  const lengthAt = body + 2 + bytes.readUInt16BE(body) + (qos > 0 ? 2 : 0);
  const length = readVarint(bytes, lengthAt);
  const start = lengthAt + length.size;
  return { remaining: header.value, body, lengthAt, start, end: start + length.value };
}

/** The user properties of an MQTT 5 PUBLISH, in wire order, read from its bytes. */
export function readUserPropertyPairs(publishBytes: Buffer): UserPropertyPairs {
  const pairs: UserPropertyPairs = [];
  const { start, end } = propertiesSpan(publishBytes);
  const readString = (at: number) => publishBytes.toString('utf8', at + 2, at + 2 + publishBytes.readUInt16BE(at));
  for (let at = start; at < end;) {
    const id = publishBytes[at++];
    if (id === USER_PROPERTY) {
      const name = readString(at);
      at += 2 + publishBytes.readUInt16BE(at);
      pairs.push([name, readString(at)]);
      at += 2 + publishBytes.readUInt16BE(at);
      continue;
    }
    const size = FIXED[id];
    if (size === undefined) break; // mqtt-packet already refused unknown properties
    at += size > 0 ? size : size === 0 ? readVarint(publishBytes, at).size : 2 + publishBytes.readUInt16BE(at);
  }
  return pairs;
}

function varint(value: number): Buffer {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}

function utf8(s: string): Buffer[] {
  const bytes = Buffer.from(s, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return [length, bytes];
}

/** Encodes an MQTT 5 PUBLISH with these user properties in this order (mqtt-packet writes the rest). */
export function generateWithUserProperties(packet: IPublishPacket, pairs: UserPropertyPairs): Buffer {
  const { userProperties: _, ...rest } = packet.properties ?? {};
  const bytes = generate({ ...packet, properties: rest }, { protocolVersion: 5 });
  const span = propertiesSpan(bytes);
  const added = Buffer.concat(pairs.flatMap(([name, value]) => [Buffer.from([USER_PROPERTY]), ...utf8(name), ...utf8(value)]));
  const length = varint(span.end - span.start + added.length);
  const remaining = span.remaining - (span.start - span.lengthAt) + length.length + added.length;
  return Buffer.concat([
    bytes.subarray(0, 1), varint(remaining), bytes.subarray(span.body, span.lengthAt), length,
    bytes.subarray(span.start, span.end), added, bytes.subarray(span.end),
  ]);
}
