// The .mqttrec file format: one SQLite file per recording. This comment is its documentation (README
// "Recordings" repeats it); the SQL below is the definition.
//
//   PRAGMA application_id = 0x4d515452 ("MQTR"): marks the file as a recording.
//   PRAGMA user_version   = the format version (2). A reader refuses versions newer than it knows and
//                           upgrades older ones in place (see RECORDING_MIGRATIONS).
//
//   recording          exactly one row: id, name, notes, started_us / ended_us (epoch microseconds;
//                      ended_us NULL while recording), source ('embedded broker' or the outside broker's
//                      URL), client / filter (the named client that recorded alone, and what it
//                      subscribed to; NULL when the recording took every packet the workbench saw),
//                      packets (set when the recording stops), format_version, app_version, and (format
//                      2) stopped_because: why it stopped when nobody stopped it (a full disk), else NULL.
//   traffic            one row per packet, the same table as workbench.db's traffic log (see
//   traffic_blocks     store/migrations/traffic-tables.ts) with two differences in use: payloads are
//   traffic_seen       kept whole (payload_size = length(payload)), and nothing is ever pruned.
//   snapshot_retained  the broker's retained store when the recording started: topic, payload, qos,
//                      properties (MQTT 5 PUBLISH properties as JSON; binary values as {"$b64": …} and
//                      keys starting with '$' get one more '$', see store/json-codec.ts), publisher (client
//                      id), received_at (epoch ms).
//   snapshot_sessions  the broker's sessions when the recording started: client_id, session (JSON of the
//                      contract's SessionInfo), subscriptions (JSON array of SessionSubscription).
//   retained_changes   (format 2) every change to the retained store while recording, whatever made it (a
//                      PUBLISH, a will, a delete from the workbench): seq, time_us, from_packet (the id of
//                      the traffic row from which on it shows: the packet that caused it, or the next packet
//                      after a change no packet caused — a closed socket, a timer, the workbench's API),
//                      topic, and the message as in snapshot_retained — its payload kept here, or, when the
//                      PUBLISH recorded at payload_packet carries it, there — or both NULL: it was cleared.
//   session_changes    (format 2) every change to a session while recording (created, connected,
//                      disconnected, subscribed, expired…) and its queue sizes sampled once a second when
//                      they changed: seq, time_us, from_packet, client_id, and session / subscriptions as
//                      in snapshot_sessions, or both NULL when the session ended.
//   The broker's state at packet N is the snapshot with every change whose from_packet <= N applied, the
//   latest per topic / client id (from_packet grows with seq); at the last packet, every change. Recordings made by a named client from an outside broker have no
//   snapshot and no changes (recording.client is set): that broker's state is not known.
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

const formatTwo: Migration = {
  version: 2,
  description: "the broker's retained and session changes while recording",
  sql: `
CREATE TABLE retained_changes (
  seq            INTEGER PRIMARY KEY,
  time_us        INTEGER NOT NULL,
  from_packet    INTEGER NOT NULL,
  topic          TEXT NOT NULL,
  payload        BLOB,
  payload_packet INTEGER,
  qos            INTEGER,
  properties     TEXT,
  publisher      TEXT,
  received_at    INTEGER
) STRICT;
CREATE INDEX retained_changes_by_topic ON retained_changes (topic);
CREATE INDEX retained_changes_by_packet ON retained_changes (from_packet);

CREATE TABLE session_changes (
  seq           INTEGER PRIMARY KEY,
  time_us       INTEGER NOT NULL,
  from_packet  INTEGER NOT NULL,
  client_id     TEXT NOT NULL,
  session       TEXT,
  subscriptions TEXT
) STRICT;
CREATE INDEX session_changes_by_client ON session_changes (client_id);
CREATE INDEX session_changes_by_packet ON session_changes (from_packet);

ALTER TABLE recording ADD COLUMN stopped_because TEXT;
`,
};

/** The format's steps, oldest first: user_version is the format version. Never edit a released one. */
export const RECORDING_MIGRATIONS: readonly Migration[] = [formatOne, formatTwo];

export const RECORDING_FORMAT_VERSION = RECORDING_MIGRATIONS.length;
