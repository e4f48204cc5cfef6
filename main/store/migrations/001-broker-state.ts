import type { Migration } from '../migrate.js';

/**
 * The broker's durable state. STRICT tables so a wrong type is an error rather than a silent
 * conversion; plain rowid tables (not WITHOUT ROWID) because rows carry payload BLOBs.
 * Booleans are 0/1; `properties` is MQTT 5 PUBLISH properties as JSON (see json-codec.ts).
 * Children reference sessions with ON DELETE CASCADE, so deleting a session deletes all it holds.
 */
export const brokerState: Migration = {
  version: 1,
  description: 'retained messages, sessions, subscriptions, deliveries, incoming QoS 2 ids',
  sql: `
CREATE TABLE retained (
  topic       TEXT PRIMARY KEY,
  payload     BLOB NOT NULL,
  qos         INTEGER NOT NULL CHECK (qos IN (0, 1, 2)),
  retain      INTEGER NOT NULL DEFAULT 1,
  properties  TEXT,
  expires_at  INTEGER,
  publisher   TEXT NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
  client_id       TEXT PRIMARY KEY,
  expiry_interval INTEGER NOT NULL,
  disconnected_at INTEGER
) STRICT;

CREATE TABLE subscriptions (
  client_id           TEXT NOT NULL REFERENCES sessions (client_id) ON DELETE CASCADE,
  filter              TEXT NOT NULL,
  qos                 INTEGER NOT NULL CHECK (qos IN (0, 1, 2)),
  no_local            INTEGER NOT NULL,
  retain_as_published INTEGER NOT NULL,
  retain_handling     INTEGER NOT NULL CHECK (retain_handling IN (0, 1, 2)),
  subscription_id     INTEGER,
  PRIMARY KEY (client_id, filter)
) STRICT;

CREATE TABLE deliveries (
  client_id        TEXT NOT NULL REFERENCES sessions (client_id) ON DELETE CASCADE,
  seq              INTEGER NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('queued', 'publish-sent', 'pubrel-sent')),
  packet_id        INTEGER,
  qos              INTEGER NOT NULL CHECK (qos IN (0, 1, 2)),
  retain           INTEGER NOT NULL,
  subscription_ids TEXT,
  topic            TEXT NOT NULL,
  payload          BLOB NOT NULL,
  message_qos      INTEGER NOT NULL CHECK (message_qos IN (0, 1, 2)),
  message_retain   INTEGER NOT NULL,
  properties       TEXT,
  expires_at       INTEGER,
  publisher        TEXT NOT NULL,
  received_at      INTEGER NOT NULL,
  PRIMARY KEY (client_id, seq)
) STRICT;

CREATE TABLE incoming_qos2 (
  client_id TEXT NOT NULL REFERENCES sessions (client_id) ON DELETE CASCADE,
  packet_id INTEGER NOT NULL,
  PRIMARY KEY (client_id, packet_id)
) STRICT;
`,
};
