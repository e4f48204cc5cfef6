// A decoded MQTT packet (mqtt-packet's shape, from the broker or from mqtt.js) → one traffic-log entry.
import type { Packet } from 'mqtt-packet';
import type { PacketType, TrafficDirection, TrafficSide } from '../../shared/contract/traffic.js';
import type { TrafficEntry } from '../store/traffic-log.js';

/** Fields that have their own columns, or that say nothing (length is the wire length mqtt-packet kept). */
const COLUMNS = new Set(['cmd', 'topic', 'payload', 'qos', 'retain', 'dup', 'messageId', 'reasonCode', 'returnCode', 'length']);

export function packetEntry(
  packet: Packet, side: TrafficSide, direction: TrafficDirection, connection: string, timeUs: number, head: Buffer | null,
): TrafficEntry {
  const p = packet as Packet & Record<string, unknown>;
  const isPublish = packet.cmd === 'publish';
  return {
    timeUs,
    side,
    direction,
    connection,
    type: packet.cmd as PacketType,
    topic: isPublish ? packet.topic : null,
    qos: isPublish ? packet.qos : null,
    retain: isPublish ? packet.retain : false,
    dup: isPublish ? packet.dup : false,
    packetId: typeof p.messageId === 'number' ? p.messageId : null,
    reasonCode: reasonCodeOf(p),
    fields: fieldsOf(p),
    payload: isPublish ? toBuffer(packet.payload) : null,
    head,
  };
}

function reasonCodeOf(p: Record<string, unknown>): number | null {
  if (typeof p.reasonCode === 'number') return p.reasonCode;
  if (typeof p.returnCode === 'number') return p.returnCode;
  if (Array.isArray(p.granted) && typeof p.granted[0] === 'number') return p.granted[0];
  return null;
}

function fieldsOf(p: Record<string, unknown>): Record<string, unknown> | null {
  let fields: Record<string, unknown> | null = null;
  for (const key in p) {
    const value = p[key];
    if (COLUMNS.has(key) || value === undefined || value === null) continue;
    fields ??= {};
    // The CONNECT password never goes into the log.
    fields[key] = key === 'password' ? '(hidden)' : jsonValue(value);
  }
  return fields;
}

/** Buffers become { base64 } so the fields survive JSON. */
function jsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { base64: value.toString('base64') };
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonValue(v);
    return out;
  }
  return value;
}

function toBuffer(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (typeof payload === 'string') return Buffer.from(payload);
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.alloc(0);
}

/** Epoch microseconds, finer than Date.now(). */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
