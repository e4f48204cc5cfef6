// The broker's state "as of the cursor" while scrubbing a recording: the snapshot taken when it started,
// with every change the broker made up to the cursor applied (format.ts: retained_changes,
// session_changes). A point is a packet: stepping onto a retained PUBLISH shows it stored, onto a
// CONNECT its session; a socket that closed after it shows closed from the next packet on.
import type { RetainedEntry } from '../../shared/contract/broker.js';
import type { SessionAt } from '../../shared/contract/recordings.js';
import { jsonSafe } from '../broker/inspect.js';
import type { SqliteDatabase } from '../store/db.js';
import { decodeJson } from '../store/json-codec.js';
import { TRAFFIC_BLOCK_SIZE } from '../store/migrations/traffic-tables.js';
import { replayProperties } from './replay-properties.js';
import type { RetainedFirst } from './replay.js';

interface RetainedRow {
  topic: string;
  payload: Buffer | null;
  payload_size: number;
  /** NULL: a change that cleared the topic. */
  qos: number | null;
  properties: string | null;
  publisher: string | null;
  received_at: number | null;
}

interface SessionRow {
  client_id: string;
  /** NULL: a change that ended the session. */
  session: string | null;
  subscriptions: string | null;
}

/**
 * The id of the last packet at or before `atUs` (0: none). Only the last block that starts at or before
 * it can hold it: every later block starts after it.
 */
export function packetAt(db: SqliteDatabase, atUs: number): number {
  const block = db.prepare<[number], number | null>('SELECT max(block) FROM traffic_blocks WHERE min_time_us <= ?').pluck().get(atUs);
  if (block === null || block === undefined) return 0;
  return db.prepare<[number, number, number], number>('SELECT coalesce(max(id), 0) FROM traffic WHERE id BETWEEN ? AND ? AND time_us <= ?')
    .pluck().get(block * TRAFFIC_BLOCK_SIZE, (block + 1) * TRAFFIC_BLOCK_SIZE - 1, atUs)!;
}

/**
 * The changes to apply at packet `atPacket`: those from it and before, and at the last packet also
 * those after it (no later packet would ever show them): the state at the end.
 */
function upTo(db: SqliteDatabase, atPacket: number): number {
  const last = db.prepare<[], number | null>('SELECT max(id) FROM traffic').pluck().get() ?? 0;
  return atPacket >= last ? Number.MAX_SAFE_INTEGER : atPacket;
}

/**
 * The seq of the latest change per key among those that show at packet ? (from_packet grows with seq,
 * so they are the rows up to one seq).
 */
const latestSeqs = (table: string, key: string) =>
  `SELECT max(seq) FROM ${table} WHERE seq <= (SELECT seq FROM ${table} WHERE from_packet <= ? ` +
  `ORDER BY from_packet DESC, seq DESC LIMIT 1) GROUP BY ${key}`;

const SNAPSHOT_RETAINED = 'SELECT topic, substr(payload, 1, ?) AS payload, length(payload) AS payload_size, qos, properties, ' +
  'publisher, received_at FROM snapshot_retained';
/** A change's payload is its own or that of the PUBLISH it points at; qos is NULL when it cleared the topic. */
const RETAINED_CHANGES = 'SELECT c.topic, substr(coalesce(c.payload, t.payload), 1, ?) AS payload, ' +
  'coalesce(length(coalesce(c.payload, t.payload)), 0) AS payload_size, c.qos, c.properties, c.publisher, c.received_at ' +
  `FROM retained_changes c LEFT JOIN traffic t ON t.id = c.payload_packet WHERE c.seq IN (${latestSeqs('retained_changes', 'topic')})`;

/**
 * The retained store at packet `atPacket` (0: at the start), sorted by topic, in the shape the live
 * retained table uses (`retained.list`), each payload cut to `payloadBytes`.
 */
export function retainedAt(db: SqliteDatabase, atPacket: number, payloadBytes: number): RetainedEntry[] {
  const store = new Map<string, RetainedRow>();
  for (const row of db.prepare<[number], RetainedRow>(SNAPSHOT_RETAINED).all(payloadBytes)) store.set(row.topic, row);
  for (const row of db.prepare<[number, number], RetainedRow>(RETAINED_CHANGES).all(payloadBytes, upTo(db, atPacket))) {
    if (row.qos === null) store.delete(row.topic);
    else store.set(row.topic, row);
  }
  return [...store.values()].sort(byKey((r) => r.topic)).map(retainedEntry);
}

/** The sessions at packet `atPacket`, sorted by client id, as broker.sessions / broker.session show them. */
export function sessionsAt(db: SqliteDatabase, atPacket: number): SessionAt[] {
  const sessions = new Map<string, SessionRow>();
  for (const row of db.prepare<[], SessionRow>('SELECT client_id, session, subscriptions FROM snapshot_sessions').all()) {
    sessions.set(row.client_id, row);
  }
  const changes = `SELECT client_id, session, subscriptions FROM session_changes WHERE seq IN (${latestSeqs('session_changes', 'client_id')})`;
  for (const row of db.prepare<[number], SessionRow>(changes).all(upTo(db, atPacket))) {
    if (row.session === null) sessions.delete(row.client_id);
    else sessions.set(row.client_id, row);
  }
  return [...sessions.values()].sort(byKey((r) => r.client_id)).map((r) => ({
    session: JSON.parse(r.session!) as SessionAt['session'],
    subscriptions: JSON.parse(r.subscriptions!) as SessionAt['subscriptions'],
  }));
}

function retainedEntry(r: RetainedRow): RetainedEntry {
  return {
    topic: r.topic,
    qos: r.qos as 0 | 1 | 2,
    payload: (r.payload ?? Buffer.alloc(0)).toString('base64'),
    payloadSize: r.payload_size,
    publisher: r.publisher!,
    receivedAt: r.received_at!,
    properties: r.properties === null ? null : jsonSafe(decodeJson<object>(r.properties)),
  };
}

function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
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
