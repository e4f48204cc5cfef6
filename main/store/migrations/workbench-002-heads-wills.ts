import type { Migration } from '../migrate.js';

/**
 * traffic.head: the packet's bytes up to its payload (see TrafficRecord.head); the payload is not
 * repeated, the bytes of a packet are head || payload. traffic.will_of: the client id whose will a
 * PUBLISH delivers. Rows logged before this step keep NULL in both.
 */
export const packetHeadsAndWills: Migration = {
  version: 2,
  description: 'packet bytes (up to the payload) and will deliveries in the traffic log',
  sql: `
ALTER TABLE traffic ADD COLUMN head BLOB;
ALTER TABLE traffic ADD COLUMN will_of TEXT;
`,
};
