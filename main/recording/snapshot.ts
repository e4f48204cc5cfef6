// The broker's state when a recording starts: its retained store and its sessions, so a replay or a
// scrub can start from what the broker held rather than from nothing.
import type { SessionInfo, SessionSubscription } from '../../shared/contract/broker.js';
import type { RecordingSnapshot } from '../../shared/contract/recordings.js';
import { jsonSafe, sessionInfo, sessionSubscriptions, type Broker, type Message } from '../broker/index.js';
import type { SqliteDatabase } from '../store/db.js';
import { decodeJson, encodeJson } from '../store/json-codec.js';

/** One retained message as stored, payload whole. */
interface StoredRetained {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  properties: Message['properties'] | null;
  publisher: string;
  receivedAt: number;
}

/** Writes the snapshot in one transaction. Synchronous, so no packet can slip in between it and the first record. */
export function writeSnapshot(db: SqliteDatabase, broker: Broker): void {
  const retained = db.prepare(
    'INSERT INTO snapshot_retained (topic, payload, qos, properties, publisher, received_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const session = db.prepare('INSERT INTO snapshot_sessions (client_id, session, subscriptions) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const m of broker.retained.all()) {
      retained.run(m.topic, m.payload, m.qos, m.properties ? encodeJson(m.properties) : null, m.publisher, m.receivedAt);
    }
    for (const s of broker.allSessions()) {
      session.run(s.clientId, JSON.stringify(sessionInfo(s)), JSON.stringify(sessionSubscriptions(s)));
    }
  })();
}

/** The retained messages of the snapshot, whole, in topic order. */
function readSnapshotRetained(db: SqliteDatabase): StoredRetained[] {
  const rows = db.prepare<[], { topic: string; payload: Buffer; qos: number; properties: string | null; publisher: string; received_at: number }>(
    'SELECT topic, payload, qos, properties, publisher, received_at FROM snapshot_retained ORDER BY topic',
  ).all();
  return rows.map((r) => ({
    topic: r.topic,
    payload: r.payload,
    qos: r.qos as 0 | 1 | 2,
    properties: r.properties === null ? null : decodeJson<Message['properties']>(r.properties),
    publisher: r.publisher,
    receivedAt: r.received_at,
  }));
}

/** The snapshot as the contract shows it: payloads cut to `payloadBytes`, base64. */
export function readSnapshot(db: SqliteDatabase, payloadBytes: number): RecordingSnapshot {
  const retained = readSnapshotRetained(db).map((m) => ({
    topic: m.topic,
    payload: m.payload.subarray(0, payloadBytes).toString('base64'),
    payloadSize: m.payload.length,
    qos: m.qos,
    properties: m.properties ? jsonSafe(m.properties) : null,
    publisher: m.publisher,
    receivedAt: m.receivedAt,
  }));
  const sessions = db.prepare<[], { session: string; subscriptions: string }>(
    'SELECT session, subscriptions FROM snapshot_sessions ORDER BY client_id',
  ).all().map((r) => ({
    session: JSON.parse(r.session) as SessionInfo,
    subscriptions: JSON.parse(r.subscriptions) as SessionSubscription[],
  }));
  return { retained, sessions };
}
