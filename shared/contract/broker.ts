// What the embedded broker shows: status, sessions, queues, the retained store, live counters.
import { z } from 'zod';
import { TopicFilter, TopicName } from './mqtt-values.js';

export interface ListenerInfo {
  protocol: 'tcp' | 'ws';
  host: string;
  port: number;
  url: string;
}

export interface BrokerStatus {
  listeners: ListenerInfo[];
  limits: Record<string, number>;
  auth: { passwordFile: boolean; aclFile: boolean; anonymous: 'always' | 'never' | 'loopback' };
  /** Where durable state lives; null when in memory. */
  dataDir: string | null;
  startedAt: number;
  clientsConnected: number;
  sessions: number;
  subscriptions: number;
  retained: number;
  stats: {
    bytesReceived: number; bytesSent: number; packetsReceived: number; packetsSent: number;
    publishReceived: number; publishSent: number; publishDropped: number; connectionsTotal: number;
  };
}

export interface WillInfo {
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  payloadSize: number;
}

export interface SessionInfo {
  clientId: string;
  connected: boolean;
  /** Kept after the connection ends (persistent session / session expiry > 0). */
  persistent: boolean;
  expiryInterval: number;
  /** Epoch ms; set while offline. */
  disconnectedAt: number | null;
  protocolVersion: number | null;
  keepAlive: number | null;
  remoteAddress: string | null;
  username: string | null;
  will: WillInfo | null;
  subscriptions: number;
  /** Messages waiting to be sent, and sent but not yet acknowledged. */
  queued: number;
  inflight: number;
}

export interface SessionSubscription {
  filter: string;
  qos: 0 | 1 | 2;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  subscriptionIdentifier: number | null;
}

export interface MessageSummary {
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** First bytes, base64; compare with payloadSize. */
  payload: string;
  payloadSize: number;
  publisher: string;
  receivedAt: number;
  /** For in-flight messages: the packet id and whether it waits for PUBACK/PUBREC or PUBCOMP. */
  packetId?: number;
  state?: 'queued' | 'awaiting-ack' | 'awaiting-pubcomp';
}

export interface SessionDetail {
  session: SessionInfo;
  subscriptions: SessionSubscription[];
  /** In-flight first, then the queue; at most `limit` of them. */
  messages: MessageSummary[];
  messagesTotal: number;
}

export const SessionRef = z.object({
  clientId: z.string(),
  limit: z.number().int().min(0).max(1000).default(100),
});

export interface RetainedEntry {
  topic: string;
  qos: 0 | 1 | 2;
  payload: string;
  payloadSize: number;
  publisher: string;
  receivedAt: number;
  properties: Record<string, unknown> | null;
}

export const RetainedQuery = z.object({
  /** Only topics matching this filter (wildcards allowed). */
  filter: TopicFilter.optional(),
  /** Only topics containing this text (case-insensitive). */
  search: z.string().max(1000).optional(),
  /** Keyset cursor: the `next` of the previous page (topics are listed in sort order). */
  cursor: z.string().optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  payloadBytes: z.number().int().min(0).max(1_048_576).default(1024),
});

export interface RetainedPage {
  entries: RetainedEntry[];
  next: string | null;
  /** How many retained messages match, in total. */
  total: number;
}

export const RetainedDeleteInput = z.object({ topic: TopicName });
/** Deletes `prefix` itself and everything under `prefix/`. */
export const RetainedDeleteTreeInput = z.object({ prefix: TopicName });

export interface RateEntry {
  key: string;
  /** Messages per second over the last window, in and out. */
  inPerS: number;
  outPerS: number;
}

export interface Counters {
  /** Epoch ms when the window ended. */
  at: number;
  windowMs: number;
  /** PUBLISH packets per broker connection (by client id), busiest first. */
  clients: RateEntry[];
  /** PUBLISH packets per topic subtree (first one and two levels), busiest first. */
  topics: RateEntry[];
}
