// The traffic tables' DDL, shared by workbench.db (the live traffic log) and .mqttrec recordings, so
// TrafficLog and TrafficQueries work on either unchanged. Text, not a Migration: each database's own
// migrations place these steps (workbench.db got the head/will_of columns in a later step).

/** Ids per block of the traffic log's coarse indexes. Part of the schema: changing it needs a migration. */
export const TRAFFIC_BLOCK_SIZE = 4096;

/**
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
 */
export const TRAFFIC_TABLES_SQL = `
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
`;

/**
 * traffic.head: the packet's bytes up to its payload (see TrafficRecord.head); the payload is not
 * repeated, the bytes of a packet are head || payload. traffic.will_of: the client id whose will a
 * PUBLISH delivers.
 */
export const TRAFFIC_HEADS_WILLS_SQL = `
ALTER TABLE traffic ADD COLUMN head BLOB;
ALTER TABLE traffic ADD COLUMN will_of TEXT;
`;
