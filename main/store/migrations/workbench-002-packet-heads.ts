import type { Migration } from '../migrate.js';

/**
 * traffic.head: the packet's bytes up to its payload (see TrafficRecord.head). The payload is not
 * repeated: the bytes of a packet are head || payload. Rows logged before this step keep NULL.
 */
export const packetHeads: Migration = {
  version: 2,
  description: 'packet bytes (up to the payload) in the traffic log',
  sql: 'ALTER TABLE traffic ADD COLUMN head BLOB;',
};
