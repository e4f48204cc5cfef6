import type { Message, MessageProperties, QoS } from '../broker/message.js';
import type { PersistedState, StoredDelivery, StoredSession, StoredSubscription } from '../broker/persistence.js';
import type { SqliteDatabase } from './db.js';
import { decodeJson, encodeJson } from './json-codec.js';

/** Conversions between the broker's types and table rows: booleans as 0/1, absent fields as NULL. */

/** Named parameters for a message's columns (the same names in `retained` and `deliveries`). */
export function messageParams(message: Message) {
  return {
    topic: message.topic,
    payload: message.payload,
    messageQos: message.qos,
    messageRetain: message.retain ? 1 : 0,
    properties: message.properties === undefined ? null : encodeJson(message.properties),
    expiresAt: message.expiresAt ?? null,
    publisher: message.publisher,
    receivedAt: message.receivedAt,
  };
}

export function subscriptionParams(clientId: string, subscription: StoredSubscription) {
  return {
    clientId,
    filter: subscription.filter,
    qos: subscription.qos,
    noLocal: subscription.noLocal ? 1 : 0,
    retainAsPublished: subscription.retainAsPublished ? 1 : 0,
    retainHandling: subscription.retainHandling,
    subscriptionId: subscription.subscriptionId ?? null,
  };
}

export function deliveryParams(clientId: string, delivery: StoredDelivery) {
  return {
    clientId,
    seq: delivery.seq,
    state: delivery.state,
    packetId: delivery.packetId ?? null,
    qos: delivery.qos,
    retain: delivery.retain ? 1 : 0,
    subscriptionIds: delivery.subscriptionIds === undefined ? null : JSON.stringify(delivery.subscriptionIds),
    ...messageParams(delivery.message),
  };
}

/** Columns of a message, aliased alike in both tables. */
interface MessageRow {
  topic: string;
  payload: Buffer;
  message_qos: number;
  message_retain: number;
  properties: string | null;
  expires_at: number | null;
  publisher: string;
  received_at: number;
}

interface SessionRow {
  client_id: string;
  expiry_interval: number;
  disconnected_at: number | null;
}

interface SubscriptionRow {
  client_id: string;
  filter: string;
  qos: number;
  no_local: number;
  retain_as_published: number;
  retain_handling: number;
  subscription_id: number | null;
}

interface DeliveryRow extends MessageRow {
  client_id: string;
  seq: number;
  state: StoredDelivery['state'];
  packet_id: number | null;
  qos: number;
  retain: number;
  subscription_ids: string | null;
}

const MESSAGE_COLUMNS = 'topic, payload, properties, expires_at, publisher, received_at';

/** Everything in the store. Works on any connection, e.g. a read-only one to inspect a file. */
export function loadState(db: SqliteDatabase): PersistedState {
  const retained = db
    .prepare<[], MessageRow>(
      `SELECT ${MESSAGE_COLUMNS}, qos AS message_qos, retain AS message_retain FROM retained ORDER BY topic`,
    )
    .all()
    .map(toMessage);

  const sessions = new Map<string, StoredSession>();
  for (const row of db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY client_id').all()) {
    sessions.set(row.client_id, {
      clientId: row.client_id,
      expiryInterval: row.expiry_interval,
      disconnectedAt: row.disconnected_at,
      subscriptions: [],
      deliveries: [],
      incomingQos2: [],
    });
  }
  // Foreign keys guarantee every child row has its session.
  const sessionOf = (clientId: string) => sessions.get(clientId)!;
  for (const row of db.prepare<[], SubscriptionRow>('SELECT * FROM subscriptions ORDER BY rowid').all()) {
    sessionOf(row.client_id).subscriptions.push(toSubscription(row));
  }
  for (const row of db.prepare<[], DeliveryRow>('SELECT * FROM deliveries ORDER BY client_id, seq').all()) {
    sessionOf(row.client_id).deliveries.push(toDelivery(row));
  }
  const qos2 = db.prepare<[], { client_id: string; packet_id: number }>('SELECT * FROM incoming_qos2 ORDER BY rowid');
  for (const row of qos2.all()) sessionOf(row.client_id).incomingQos2.push(row.packet_id);

  return { retained, sessions: [...sessions.values()] };
}

function toMessage(row: MessageRow): Message {
  const message: Message = {
    topic: row.topic,
    payload: row.payload,
    qos: row.message_qos as QoS,
    retain: row.message_retain === 1,
    publisher: row.publisher,
    receivedAt: row.received_at,
  };
  if (row.properties !== null) message.properties = decodeJson<MessageProperties>(row.properties);
  if (row.expires_at !== null) message.expiresAt = row.expires_at;
  return message;
}

function toSubscription(row: SubscriptionRow): StoredSubscription {
  const subscription: StoredSubscription = {
    filter: row.filter,
    qos: row.qos as QoS,
    noLocal: row.no_local === 1,
    retainAsPublished: row.retain_as_published === 1,
    retainHandling: row.retain_handling as StoredSubscription['retainHandling'],
  };
  if (row.subscription_id !== null) subscription.subscriptionId = row.subscription_id;
  return subscription;
}

function toDelivery(row: DeliveryRow): StoredDelivery {
  const delivery: StoredDelivery = {
    seq: row.seq,
    state: row.state,
    message: toMessage(row),
    qos: row.qos as QoS,
    retain: row.retain === 1,
  };
  if (row.packet_id !== null) delivery.packetId = row.packet_id;
  if (row.subscription_ids !== null) delivery.subscriptionIds = JSON.parse(row.subscription_ids) as number[];
  return delivery;
}
