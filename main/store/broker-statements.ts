import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './db.js';

/** The prepared statements behind SqliteBrokerPersistence's writes. Upserts, not INSERT OR REPLACE:
 *  a REPLACE deletes the row first, which would cascade away a session's subscriptions and deliveries. */
export function prepareStatements(db: SqliteDatabase) {
  const statement = (sql: string): Statement<[unknown?]> => db.prepare<[unknown?]>(sql);
  return {
    // IMMEDIATE takes the write lock up front, so contention shows at BEGIN and not at COMMIT.
    begin: statement('BEGIN IMMEDIATE'),
    commit: statement('COMMIT'),
    rollback: statement('ROLLBACK'),

    setRetained: statement(`
      INSERT INTO retained (topic, payload, qos, retain, properties, expires_at, publisher, received_at)
      VALUES (@topic, @payload, @messageQos, @messageRetain, @properties, @expiresAt, @publisher, @receivedAt)
      ON CONFLICT (topic) DO UPDATE SET
        payload = excluded.payload, qos = excluded.qos, retain = excluded.retain,
        properties = excluded.properties, expires_at = excluded.expires_at,
        publisher = excluded.publisher, received_at = excluded.received_at`),
    deleteRetained: statement('DELETE FROM retained WHERE topic = ?'),

    saveSession: statement(`
      INSERT INTO sessions (client_id, expiry_interval, disconnected_at)
      VALUES (@clientId, @expiryInterval, @disconnectedAt)
      ON CONFLICT (client_id) DO UPDATE SET
        expiry_interval = excluded.expiry_interval, disconnected_at = excluded.disconnected_at`),
    deleteSession: statement('DELETE FROM sessions WHERE client_id = ?'),

    saveSubscription: statement(`
      INSERT INTO subscriptions
        (client_id, filter, qos, no_local, retain_as_published, retain_handling, subscription_id)
      VALUES (@clientId, @filter, @qos, @noLocal, @retainAsPublished, @retainHandling, @subscriptionId)
      ON CONFLICT (client_id, filter) DO UPDATE SET
        qos = excluded.qos, no_local = excluded.no_local, retain_as_published = excluded.retain_as_published,
        retain_handling = excluded.retain_handling, subscription_id = excluded.subscription_id`),
    deleteSubscription: statement('DELETE FROM subscriptions WHERE client_id = @clientId AND filter = @filter'),

    saveDelivery: statement(`
      INSERT INTO deliveries
        (client_id, seq, state, packet_id, qos, retain, subscription_ids, topic, payload,
         message_qos, message_retain, properties, expires_at, publisher, received_at)
      VALUES (@clientId, @seq, @state, @packetId, @qos, @retain, @subscriptionIds, @topic, @payload,
         @messageQos, @messageRetain, @properties, @expiresAt, @publisher, @receivedAt)
      ON CONFLICT (client_id, seq) DO UPDATE SET
        state = excluded.state, packet_id = excluded.packet_id, qos = excluded.qos, retain = excluded.retain,
        subscription_ids = excluded.subscription_ids, topic = excluded.topic, payload = excluded.payload,
        message_qos = excluded.message_qos, message_retain = excluded.message_retain,
        properties = excluded.properties, expires_at = excluded.expires_at,
        publisher = excluded.publisher, received_at = excluded.received_at`),
    deleteDelivery: statement('DELETE FROM deliveries WHERE client_id = @clientId AND seq = @seq'),

    addIncomingQos2: statement(`
      INSERT INTO incoming_qos2 (client_id, packet_id) VALUES (@clientId, @packetId)
      ON CONFLICT (client_id, packet_id) DO NOTHING`),
    deleteIncomingQos2: statement('DELETE FROM incoming_qos2 WHERE client_id = @clientId AND packet_id = @packetId'),
  };
}

export type BrokerStatements = ReturnType<typeof prepareStatements>;
