// MQTT 5 PUBLISH properties as they are on the wire. mqtt-packet decodes properties into an object: it
// does not reject ones that overrun or do not belong, and it loses the order of user properties when a
// name repeats between others (a, b, a) or names are numbers; that order must be kept [MQTT-3.3.2-18].
// So the broker checks a client's PUBLISH properties from its bytes, and writes ordered pairs back.
import { generate, type IPublishPacket, type UserProperties } from 'mqtt-packet';
import { readVarint, varint } from './varint.js';

export type UserPropertyPairs = Array<[string, string]>;

export function orderAtRisk(properties: UserProperties): boolean {
  const names = Object.keys(properties);
  return names.length > 1 && names.some((name) => Array.isArray(properties[name]) || /^\d+$/.test(name));
}

// MQTT 5 properties (§2.2.2.2): byte size (-1: string, -2: binary, 0: variable byte integer, -3: string
// pair) and whether a client may put it in a PUBLISH.
const PROPERTIES: Record<number, { size: number; inPublish: boolean }> = {
  0x01: { size: 1, inPublish: true }, 0x02: { size: 4, inPublish: true }, 0x03: { size: -1, inPublish: true },
  0x08: { size: -1, inPublish: true }, 0x09: { size: -2, inPublish: true }, 0x23: { size: 2, inPublish: true },
  0x26: { size: -3, inPublish: true },
  0x0b: { size: 0, inPublish: false }, 0x11: { size: 4, inPublish: false }, 0x12: { size: -1, inPublish: false },
  0x13: { size: 2, inPublish: false }, 0x15: { size: -1, inPublish: false }, 0x16: { size: -2, inPublish: false },
  0x17: { size: 1, inPublish: false }, 0x18: { size: 4, inPublish: false }, 0x19: { size: 1, inPublish: false },
  0x1a: { size: -1, inPublish: false }, 0x1c: { size: -1, inPublish: false }, 0x1f: { size: -1, inPublish: false },
  0x21: { size: 2, inPublish: false }, 0x22: { size: 2, inPublish: false }, 0x24: { size: 1, inPublish: false },
  0x25: { size: 1, inPublish: false }, 0x27: { size: 4, inPublish: false }, 0x28: { size: 1, inPublish: false },
  0x29: { size: 1, inPublish: false }, 0x2a: { size: 1, inPublish: false },
};
const USER_PROPERTY = 0x26;

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

export interface PublishPropertyScan {
  /** Why the properties are not acceptable, with the reason code to refuse them with. */
  problem?: { reasonCode: 0x81 | 0x82; message: string };
  /** User properties in wire order. */
  pairs: UserPropertyPairs;
}

/**
 * Walks the properties of a client's MQTT 5 PUBLISH as they are on the wire: mqtt-packet neither rejects
 * properties that overrun their length or do not belong in a PUBLISH, nor keeps duplicates apart.
 */
export function scanPublishProperties(publishBytes: Buffer): PublishPropertyScan {
  const pairs: UserPropertyPairs = [];
  const seen = new Set<number>();
  const { start, end } = propertiesSpan(publishBytes);
  // Where the string (or binary) field at `at` ends; past `end` when its length runs over.
  const fieldEnd = (at: number) => (at + 2 <= end ? at + 2 + publishBytes.readUInt16BE(at) : end + 1);
  let at = start;
  while (at < end) {
    const id = publishBytes[at++];
    const property = PROPERTIES[id];
    if (id === 0x0b) {
      return { problem: { reasonCode: 0x82, message: 'a client PUBLISH must not carry a subscription identifier [MQTT-3.3.4-6]' }, pairs };
    }
    if (!property?.inPublish) {
      return { problem: { reasonCode: 0x81, message: `property 0x${id.toString(16)} does not belong in a PUBLISH` }, pairs };
    }
    if (id !== USER_PROPERTY && seen.has(id)) {
      return { problem: { reasonCode: 0x82, message: `property 0x${id.toString(16)} appears twice` }, pairs };
    }
    seen.add(id);
    if (id === USER_PROPERTY) {
      const valueAt = fieldEnd(at);
      const next = valueAt <= end ? fieldEnd(valueAt) : end + 1;
      if (next <= end) pairs.push([publishBytes.toString('utf8', at + 2, valueAt), publishBytes.toString('utf8', valueAt + 2, next)]);
      at = next;
    } else {
      at = property.size > 0 ? at + property.size : fieldEnd(at);
    }
  }
  if (at !== end) return { problem: { reasonCode: 0x81, message: 'a property runs past the property length' }, pairs };
  return { pairs };
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
