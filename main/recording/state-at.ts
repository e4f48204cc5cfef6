// The broker's state "as of the cursor" while scrubbing a recording: rebuilt from the snapshot taken when
// the recording started plus the recorded packets up to the cursor.
//
// Retained store: a retained PUBLISH the broker received ('broker' side, 'in') sets its topic; one with an
// empty payload deletes it and is not stored [MQTT-3.3.1-10/11]. Like the broker, a PUBLISH to '$SYS/…'
// changes nothing (the broker refuses it). Not visible in the packets, so not rebuilt: a retained will
// the broker published, and a retained message deleted from the workbench (retained.delete).
//
// Sessions ("who was connected as of the cursor") are not rebuilt here: the traffic log has no record of
// a connection closing without a DISCONNECT (socket lost, keep-alive, take-over), so a list built from
// CONNECT/DISCONNECT alone would be wrong exactly when it matters.
import type { RetainedEntry } from '../../shared/contract/broker.js';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import { jsonSafe } from '../broker/inspect.js';
import { TopicAliases } from './replay-messages.js';
import { replayProperties } from './replay-properties.js';
import type { RetainedFirst } from './replay.js';

/** A retained message in the recording's starting snapshot. */
export interface RetainedSnapshotEntry {
  topic: string;
  /** The bytes (the recording's stored snapshot), or base64 (as the contract's RetainedEntry carries them). */
  payload: Buffer | string;
  /** The original size, when `payload` holds only its first bytes. */
  payloadSize?: number;
  qos: 0 | 1 | 2;
  publisher: string;
  /** Epoch ms. */
  receivedAt: number;
  /** As the broker keeps them (correlation data a Buffer) or JSON-safe (as { base64 }). */
  properties?: object | null;
}

/** Properties the retained table does not show: per-connection ones, and the expiry (kept as a time). */
const NOT_STORED = new Set(['topicAlias', 'subscriptionIdentifier', 'messageExpiryInterval']);

/**
 * The retained store as of `cursorUs` (epoch µs, inclusive), sorted by topic, in the shape the live
 * retained table uses (`retained.list`). Payloads are as whole as the records hold them.
 */
export function retainedAt(snapshot: readonly RetainedSnapshotEntry[], records: Iterable<TrafficRecord>, cursorUs: number): RetainedEntry[] {
  const store = new Map<string, RetainedEntry>();
  for (const entry of snapshot) store.set(entry.topic, snapshotEntry(entry));
  const aliases = new TopicAliases();
  for (const r of records) {
    if (r.side !== 'broker' || r.timeUs > cursorUs) continue;
    if (r.type === 'connect') aliases.reset(r.connection);
    if (r.type !== 'publish' || r.direction !== 'in') continue;
    // Every PUBLISH in counts for the aliases, retained or not.
    const topic = aliases.topicOf(r);
    if (!r.retain || topic === null || topic.startsWith('$SYS/')) continue;
    if (r.payloadSize === 0) store.delete(topic);
    else store.set(topic, recordEntry(r, topic));
  }
  return [...store.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}

function snapshotEntry(e: RetainedSnapshotEntry): RetainedEntry {
  const payload = typeof e.payload === 'string' ? e.payload : e.payload.toString('base64');
  const size = e.payloadSize ?? (typeof e.payload === 'string' ? Buffer.byteLength(e.payload, 'base64') : e.payload.length);
  return {
    topic: e.topic, qos: e.qos, payload, payloadSize: size, publisher: e.publisher, receivedAt: e.receivedAt,
    properties: e.properties && Object.keys(e.properties).length > 0 ? jsonSafe(e.properties) : null,
  };
}

function recordEntry(r: TrafficRecord, topic: string): RetainedEntry {
  return {
    topic,
    qos: r.qos ?? 0,
    payload: r.payload ?? '',
    payloadSize: r.payloadSize,
    publisher: r.connection,
    receivedAt: Math.floor(r.timeUs / 1000),
    properties: storedProperties(r.fields),
  };
}

/** The recorded PUBLISH properties the retained message keeps (JSON-safe already: Buffers are { base64 }). */
function storedProperties(fields: Record<string, unknown>): Record<string, unknown> | null {
  const recorded = fields.properties;
  if (typeof recorded !== 'object' || recorded === null) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(recorded)) if (!NOT_STORED.has(key)) out[key] = value;
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * The retained state as a replay's retainedFirst (e.g. `retainedAt(…, cursor)` before replaying from the
 * cursor). Throws for an entry whose payload is only a preview: it cannot be published as it was.
 */
export function retainedFirstFrom(entries: readonly RetainedEntry[]): RetainedFirst[] {
  return entries.map((e) => {
    const payload = Buffer.from(e.payload, 'base64');
    if (payload.length < e.payloadSize) {
      throw new Error(`the retained message on '${e.topic}' holds ${payload.length} of its ${e.payloadSize} payload bytes: it cannot be replayed as it was`);
    }
    const properties = e.properties ? replayProperties({ properties: e.properties }) : undefined;
    return { topic: e.topic, payload, qos: e.qos, ...(properties ? { properties } : {}) };
  });
}
