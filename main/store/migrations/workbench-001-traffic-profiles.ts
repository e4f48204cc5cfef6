import type { Migration } from '../migrate.js';
import { TRAFFIC_TABLES_SQL } from './traffic-tables.js';

export { TRAFFIC_BLOCK_SIZE } from './traffic-tables.js';

/** Marks a file as the workbench's database, so broker.db given by mistake is refused rather than "migrated". */
export const WORKBENCH_APPLICATION_ID = 0x4d515457; // "MQTW"

/**
 * The workbench database (not broker.db): the traffic log and the named clients' profiles.
 * The traffic tables (traffic, traffic_blocks, traffic_seen) are described in traffic-tables.ts;
 * recordings (.mqttrec) have the same ones.
 *
 * client_profiles: `seq` keeps creation order across renames and saves; the profile is JSON without
 * its name and password; the password is AES-256-GCM ciphertext (see secrets.ts) or NULL.
 */
export const trafficAndProfiles: Migration = {
  version: 1,
  description: 'traffic log, client profiles',
  sql: `
PRAGMA application_id = ${WORKBENCH_APPLICATION_ID};
${TRAFFIC_TABLES_SQL}
CREATE TABLE client_profiles (
  seq      INTEGER PRIMARY KEY,
  name     TEXT NOT NULL UNIQUE,
  profile  TEXT NOT NULL,
  password BLOB
) STRICT;
`,
};
