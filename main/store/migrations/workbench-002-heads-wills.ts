import type { Migration } from '../migrate.js';
import { TRAFFIC_HEADS_WILLS_SQL } from './traffic-tables.js';

/**
 * traffic.head and traffic.will_of (see traffic-tables.ts). Rows logged before this step keep NULL in both.
 */
export const packetHeadsAndWills: Migration = {
  version: 2,
  description: 'packet bytes (up to the payload) and will deliveries in the traffic log',
  sql: TRAFFIC_HEADS_WILLS_SQL,
};
