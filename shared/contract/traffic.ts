// The traffic log as the UI sees it: one record per packet, on the broker's side or a named client's.
import { z } from 'zod';
import { PACKET_TYPES, type PacketType } from '../mqtt/packet-types.js';
import { TopicFilter } from './mqtt-values.js';

export { PACKET_TYPES, type PacketType } from '../mqtt/packet-types.js';

/** 'broker': one of the broker's connections; 'client': one of the named clients. */
export type TrafficSide = 'broker' | 'client';
/** Seen from that side: 'in' was received, 'out' was sent. */
export type TrafficDirection = 'in' | 'out';

export interface TrafficRecord {
  /** Position in the log; increases with time. 0 for live records not (yet) in the log. */
  id: number;
  /** Epoch microseconds. */
  timeUs: number;
  side: TrafficSide;
  direction: TrafficDirection;
  /** Broker side: the connection's client id (`#<n>` before its CONNECT was accepted); client side: the named client. */
  connection: string;
  type: PacketType;
  topic: string | null;
  qos: 0 | 1 | 2 | null;
  retain: boolean;
  dup: boolean;
  packetId: number | null;
  /** MQTT 5 reason code, 3.1.1 CONNACK return code, or the first SUBACK code. */
  reasonCode: number | null;
  /** The other fields of the decoded packet (properties, CONNECT flags, SUBSCRIBE filters…), JSON-safe. */
  fields: Record<string, unknown>;
  /** Payload bytes, base64, possibly only the first part of it: compare with payloadSize. */
  payload: string | null;
  /** The payload's original size in bytes. */
  payloadSize: number;
  /**
   * The packet's bytes up to its payload, base64 (the packet's bytes are `head` then the whole payload;
   * packets without a payload are all head). Broker side: as they were on the wire. Client side: mqtt.js
   * gives no bytes, so these are mqtt-packet's encoding of the packet mqtt.js sent or decoded. A CONNECT's
   * password is left out. null when the packet could not be encoded or was logged before bytes were kept.
   */
  head: string | null;
  /** Broker side, a PUBLISH out: it delivers the will of this client id. */
  willOf: string | null;
}

export const TrafficQuery = z.object({
  side: z.enum(['broker', 'client']).optional(),
  /** Connection or named-client names; any of them (an empty list matches nothing). */
  connections: z.array(z.string()).max(100).optional(),
  /** Records whose topic matches this MQTT filter (wildcards allowed). */
  topic: TopicFilter.optional(),
  /** Any of these packet types (an empty list matches nothing). */
  types: z.array(z.enum(PACKET_TYPES)).optional(),
  fromUs: z.number().int().optional(),
  toUs: z.number().int().optional(),
  /** Keyset cursor: the `next` of the previous page. */
  cursor: z.number().int().optional(),
  /** 'desc' (newest first, the default) or 'asc'. */
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.number().int().min(1).max(1000).default(100),
  /** How many payload bytes each record carries (the rest stays in the log). */
  payloadBytes: z.number().int().min(0).max(1_048_576).default(4096),
});
export type TrafficQueryInput = z.input<typeof TrafficQuery>;

export interface TrafficPage {
  records: TrafficRecord[];
  /** Pass as `cursor` for the next page; null when there is none. A page may hold fewer than `limit`
   *  records (pages are capped at 32 MiB of payload) and still have a next: rely on this, not the count. */
  next: number | null;
}

export interface TrafficStats {
  records: number;
  /** Bytes the log's database uses on disk (or in memory). */
  bytes: number;
  budgetBytes: number;
  oldestUs: number | null;
  newestUs: number | null;
  /** Records written since start and records pruned to stay in budget. */
  written: number;
  pruned: number;
  /** Records that could not be written (disk full, I/O error) since start. */
  lost: number;
}
