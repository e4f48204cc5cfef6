import type { Migration } from '../migrate.js';

/** Marks a file as the workbench's database, so broker.db given by mistake is refused rather than "migrated". */
export const WORKBENCH_APPLICATION_ID = 0x4d515457; // "MQTW"

/** Ids per block of the traffic log's coarse indexes. Part of the schema: changing it needs a migration. */
export const TRAFFIC_BLOCK_SIZE = 4096;

/**
 * The workbench database (not broker.db): the traffic log and the named clients' profiles.
 *
 * traffic: one row per MQTT packet. Small integer codes instead of text (side, direction, type) keep
 * rows short. No CHECK constraints (only TrafficLog writes here) and no secondary index: an index on
 * topic made ingest 2.6 times slower in bench/traffic-log.js, because every batch touches one index page
 * per distinct topic (and one on connection cost another third). Instead, two small tables say where to
 * look, per block of TRAFFIC_BLOCK_SIZE ids:
 * - traffic_seen: which topics (kind 0) and connections (kind 1) occur in a block: one row per distinct
 *   value per block, not per packet;
 * - traffic_blocks: the time span of a block and how many rows it got, so counting the log does not
 *   read all of it.
 * A query walks the blocks from its cursor on and scans only those that can hold matches (traffic-query.ts).
 *
 * client_profiles: `seq` keeps creation order across renames and saves; the profile is JSON without
 * its name and password; the password is AES-256-GCM ciphertext (see secrets.ts) or NULL.
 */
export const trafficAndProfiles: Migration = {
  version: 1,
  description: 'traffic log, client profiles',
  sql: `
PRAGMA application_id = ${WORKBENCH_APPLICATION_ID};

CREATE TABLE traffic (
  id           INTEGER PRIMARY KEY,  -- assigned by TrafficLog in append order
  time_us      INTEGER NOT NULL,     -- epoch microseconds
  side         INTEGER NOT NULL,     -- 0 broker, 1 client
  direction    INTEGER NOT NULL,     -- 0 in, 1 out
  connection   TEXT NOT NULL,
  type         INTEGER NOT NULL,     -- MQTT control packet type: 1 CONNECT ... 15 AUTH
  topic        TEXT,
  qos          INTEGER,
  retain       INTEGER NOT NULL,
  dup          INTEGER NOT NULL,
  packet_id    INTEGER,
  reason_code  INTEGER,
  fields       TEXT,                 -- JSON object, NULL when empty
  payload      BLOB,                 -- at most the log's payload cap; NULL when the packet has none
  payload_size INTEGER NOT NULL      -- the payload's original size
) STRICT;

CREATE TABLE traffic_blocks (
  block       INTEGER PRIMARY KEY,   -- id / ${TRAFFIC_BLOCK_SIZE}, rounded down
  records     INTEGER NOT NULL,      -- rows written to it (pruning is not subtracted: see TrafficLog)
  min_time_us INTEGER NOT NULL,
  max_time_us INTEGER NOT NULL
) STRICT;

-- Block first: a block's entries are written at the end of the tree (no scattered pages), a query
-- asks "has block b a value like this?" with one seek, and pruning deletes a prefix of the tree.
CREATE TABLE traffic_seen (
  block INTEGER NOT NULL,
  kind  INTEGER NOT NULL,            -- 0 topic, 1 connection
  value TEXT NOT NULL,
  PRIMARY KEY (block, kind, value)
) STRICT, WITHOUT ROWID;

CREATE TABLE client_profiles (
  seq      INTEGER PRIMARY KEY,
  name     TEXT NOT NULL UNIQUE,
  profile  TEXT NOT NULL,
  password BLOB
) STRICT;
`,
};
