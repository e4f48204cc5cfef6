// The .mqttrec file format: one SQLite file per recording. This comment is its documentation (README
// "Recordings" repeats it); the SQL below is the definition.
//
//   PRAGMA application_id = 0x4d515452 ("MQTR"): marks the file as a recording.
//   PRAGMA user_version   = the format version (1). A reader refuses versions newer than it knows.
//
//   recording          exactly one row: id, name, notes, started_us / ended_us (epoch microseconds;
//                      ended_us NULL while recording), source ('embedded broker' or the outside broker's
//                      URL), client / filter (the named client that recorded alone, and what it
//                      subscribed to; NULL when the recording took every packet the workbench saw),
//                      packets (set when the recording stops), format_version, app_version.
//   traffic            one row per packet, the same table as workbench.db's traffic log (see
//   traffic_blocks     store/migrations/traffic-tables.ts) with two differences in use: payloads are
//   traffic_seen       kept whole (payload_size = length(payload)), and nothing is ever pruned.
//   snapshot_retained  the broker's retained store when the recording started: topic, payload, qos,
//                      properties (MQTT 5 PUBLISH properties as JSON; binary values as {"$b64": …} and
//                      keys starting with '$' get one more '$', see store/json-codec.ts), publisher (client
//                      id), received_at (epoch ms).
//   snapshot_sessions  the broker's sessions when the recording started: client_id, session (JSON of the
//                      contract's SessionInfo), subscriptions (JSON array of SessionSubscription).
//
// A file is complete on its own: the recorder checkpoints its WAL when it stops, and export writes a
// consistent copy with SQLite's backup API.
import { BROKER_VERSION } from '../broker/sys-topics.js';
import type { Migration } from '../store/migrate.js';
import { TRAFFIC_HEADS_WILLS_SQL, TRAFFIC_TABLES_SQL } from '../store/migrations/traffic-tables.js';

export const RECORDING_APPLICATION_ID = 0x4d515452; // "MQTR"
export const RECORDING_EXTENSION = '.mqttrec';

/** Who wrote a file, stored in it for whoever reads it later. */
export const APP_VERSION = BROKER_VERSION;

const formatOne: Migration = {
  version: 1,
  description: 'recording metadata, traffic, retained and session snapshot',
  sql: `
PRAGMA application_id = ${RECORDING_APPLICATION_ID};
${TRAFFIC_TABLES_SQL}
${TRAFFIC_HEADS_WILLS_SQL}
CREATE TABLE recording (
  one            INTEGER PRIMARY KEY CHECK (one = 1),
  id             TEXT NOT NULL,
  name           TEXT NOT NULL,
  notes          TEXT NOT NULL,
  started_us     INTEGER NOT NULL,
  ended_us       INTEGER,
  source         TEXT NOT NULL,
  client         TEXT,
  filter         TEXT,
  packets        INTEGER NOT NULL,
  format_version INTEGER NOT NULL,
  app_version    TEXT NOT NULL
) STRICT;

CREATE TABLE snapshot_retained (
  topic       TEXT PRIMARY KEY,
  payload     BLOB NOT NULL,
  qos         INTEGER NOT NULL,
  properties  TEXT,
  publisher   TEXT NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;

CREATE TABLE snapshot_sessions (
  client_id     TEXT PRIMARY KEY,
  session       TEXT NOT NULL,
  subscriptions TEXT NOT NULL
) STRICT;
`,
};

/** The format's steps, oldest first: user_version is the format version. Never edit a released one. */
export const RECORDING_MIGRATIONS: readonly Migration[] = [formatOne];
export const RECORDING_FORMAT_VERSION = RECORDING_MIGRATIONS.length;
