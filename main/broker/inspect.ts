// What only the broker knows, as the contract's plain data: sessions with their queues, the retained
// store paged. Read-only except the retained deletes.
import type {
  BrokerStatus, MessageSummary, RetainedEntry, RetainedPage, SessionDetail, SessionInfo, SessionSubscription,
} from '../../shared/contract/broker.js';
import { topicMatches } from '../../shared/mqtt/topic.js';
import type { Broker } from './broker.js';
import type { Connection } from './connection.js';
import type { Message } from './message.js';
import type { StoredDelivery } from './persistence.js';
import type { Session } from './session.js';

/** The first `bytes` of a payload, base64. */
export function payloadPreview(payload: Buffer, bytes: number): string {
  return payload.subarray(0, bytes).toString('base64');
}

export function brokerStatus(broker: Broker, dataDir: string | null): BrokerStatus {
  return {
    listeners: broker.addresses.map((a) => ({ ...a })),
    limits: { ...broker.limits },
    auth: broker.auth.summary ?? { passwordFile: false, aclFile: false, anonymous: 'loopback' },
    dataDir,
    startedAt: broker.startedAt,
    clientsConnected: broker.connectedCount,
    sessions: broker.sessionCount,
    subscriptions: broker.subscriptionCount,
    retained: broker.retained.size,
    stats: { ...broker.stats },
  };
}

export function sessionInfo(session: Session): SessionInfo {
  const connection = session.link as Connection | null;
  const will = session.will;
  const inflight = session.inflight.size;
  return {
    clientId: session.clientId,
    connected: connection !== null,
    persistent: session.persistent,
    expiryInterval: session.expiryInterval,
    disconnectedAt: session.offlineSince,
    protocolVersion: connection?.protocolVersion ?? null,
    keepAlive: connection?.keepAlive ?? null,
    remoteAddress: connection?.remoteAddress ?? null,
    username: session.username ?? null,
    will: will ? { topic: will.message.topic, qos: will.message.qos, retain: will.message.retain, payloadSize: will.message.payload.length } : null,
    subscriptions: session.subscriptions.size,
    queued: session.queuedCount,
    inflight,
  };
}

export function listSessions(broker: Broker): SessionInfo[] {
  return [...broker.allSessions()].map(sessionInfo);
}

export function sessionSubscriptions(session: Session): SessionSubscription[] {
  return [...session.subscriptions.values()].map((s) => ({
    filter: s.filter,
    qos: s.qos,
    noLocal: s.noLocal,
    retainAsPublished: s.retainAsPublished,
    retainHandling: s.retainHandling,
    subscriptionIdentifier: s.subscriptionId ?? null,
  }));
}

export function sessionDetail(session: Session, limit: number): SessionDetail {
  const pending = session.pending();
  return {
    session: sessionInfo(session),
    subscriptions: sessionSubscriptions(session),
    messages: pending.slice(0, limit).map(pendingSummary),
    messagesTotal: pending.length,
  };
}

const PREVIEW_BYTES = 256;

function messageSummary(message: Message): MessageSummary {
  return {
    topic: message.topic,
    qos: message.qos,
    retain: message.retain,
    payload: payloadPreview(message.payload, PREVIEW_BYTES),
    payloadSize: message.payload.length,
    publisher: message.publisher,
    receivedAt: message.receivedAt,
  };
}

function pendingSummary(delivery: StoredDelivery): MessageSummary {
  const summary = { ...messageSummary(delivery.message), qos: delivery.qos, retain: delivery.retain };
  if (delivery.state === 'queued') return { ...summary, state: 'queued' };
  return {
    ...summary,
    ...(delivery.packetId !== undefined ? { packetId: delivery.packetId } : {}),
    state: delivery.state === 'pubrel-sent' ? 'awaiting-pubcomp' : 'awaiting-ack',
  };
}

export interface RetainedListQuery {
  filter?: string | undefined;
  search?: string | undefined;
  cursor?: string | undefined;
  limit: number;
  payloadBytes: number;
}

/** One page of the retained store in topic order; `cursor` is the last topic of the previous page. */
export function listRetained(broker: Broker, query: RetainedListQuery): RetainedPage {
  const search = query.search?.toLowerCase();
  const messages = (query.filter ? broker.retained.match(query.filter) : broker.retained.all())
    .filter((m) => !search || m.topic.toLowerCase().includes(search))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  const start = query.cursor === undefined ? 0 : messages.findIndex((m) => m.topic > query.cursor!);
  const page = start < 0 ? [] : messages.slice(start, start + query.limit);
  const full = start >= 0 && start + query.limit < messages.length;
  return {
    entries: page.map((m) => retainedEntry(m, query.payloadBytes)),
    next: full ? page[page.length - 1]!.topic : null,
    total: messages.length,
  };
}

function retainedEntry(message: Message, payloadBytes: number): RetainedEntry {
  const properties = message.properties ? jsonSafe(message.properties) : null;
  return {
    topic: message.topic,
    qos: message.qos,
    payload: payloadPreview(message.payload, payloadBytes),
    payloadSize: message.payload.length,
    publisher: message.publisher,
    receivedAt: message.receivedAt,
    properties,
  };
}

/** Deletes the retained message at `prefix` and every one below `prefix/`; returns how many. */
export function deleteRetainedTree(broker: Broker, prefix: string): number {
  const topics = broker.retained.all().map((m) => m.topic)
    .filter((topic) => topic === prefix || topicMatches(`${prefix}/#`, topic));
  let deleted = 0;
  for (const topic of topics) if (broker.clearRetained(topic)) deleted++;
  return deleted;
}

/** MQTT 5 properties with Buffers (correlation data) as base64, for JSON. */
export function jsonSafe(properties: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined) continue;
    out[key] = Buffer.isBuffer(value) ? { base64: value.toString('base64') } : value;
  }
  return out;
}
