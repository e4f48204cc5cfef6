// PUBLISH from a client: topic alias, validation, authorisation, QoS 0/1/2 ingress, then routing.
import type { IPublishPacket } from 'mqtt-packet';
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import type { Connection } from '../connection.js';
import { BrokerError } from '../errors.js';
import type { Message, MessageProperties } from '../message.js';
import { orderAtRisk, scanPublishProperties, type UserPropertyPairs } from '../publish-properties.js';
import { checkTopicName, invalidUtf8 } from './validate.js';

export function handlePublish(connection: Connection, packet: IPublishPacket, bytes: Buffer): void {
  const { broker } = connection;
  const session = connection.session!;
  broker.stats.publishReceived++;
  const v5 = connection.protocolVersion === 5;
  const ordered = v5 && packet.properties ? checkProperties(bytes, packet) : undefined;
  const topic = v5 ? resolveTopicAlias(connection, packet) : packet.topic;
  checkTopicName(topic, bytes);
  const { qos, messageId } = packet;
  if (qos === 2 && session.incomingQos2.has(messageId!)) {
    // A resend of a QoS 2 message we already have: acknowledge, do not deliver twice [MQTT-4.3.3-10].
    connection.writeAck('pubrec', messageId!);
    return;
  }
  if (qos === 2 && session.incomingQos2.size >= broker.limits.receiveMaximum) {
    throw new BrokerError(ReasonCode.ReceiveMaximumExceeded, `more than ${broker.limits.receiveMaximum} QoS 2 messages unacknowledged`, '[MQTT-3.3.4-9]');
  }
  const reasonCode = refusal(connection, packet, topic);
  if (reasonCode === ReasonCode.Success) broker.route(toMessage(connection, packet, topic, ordered));
  if (qos === 0) return;
  if (qos === 2 && reasonCode === ReasonCode.Success) {
    session.incomingQos2.add(messageId!);
    if (session.persistent) broker.persistence.addIncomingQos2(session.clientId, messageId!);
  }
  // 3.1.1 has no reason code: a refused message is acknowledged like any other.
  const ackCode = connection.protocolVersion === 5 ? reasonCode : 0;
  const ack = qos === 1 ? 'puback' : 'pubrec';
  // Acknowledge only once what was routed is durable: an acknowledged message survives a crash.
  if (broker.persistence.durable) broker.persistence.afterCommit(() => connection.writeAck(ack, messageId!, ackCode));
  else connection.writeAck(ack, messageId!, ackCode);
}

/** MQTT 5 topic aliases set by the client [MQTT-3.3.2-7..12]. */
function resolveTopicAlias(connection: Connection, packet: IPublishPacket): string {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) return packet.topic;
  if (alias === 0 || alias > connection.broker.limits.topicAliasMaximum) {
    throw new BrokerError(ReasonCode.TopicAliasInvalid, `topic alias ${alias} is outside 1..${connection.broker.limits.topicAliasMaximum}`);
  }
  if (packet.topic) {
    (connection.inAliases ??= new Map()).set(alias, packet.topic);
    return packet.topic;
  }
  const topic = connection.inAliases?.get(alias);
  if (topic === undefined) throw new BrokerError(ReasonCode.ProtocolError, `topic alias ${alias} was never set`);
  return topic;
}

/** Success, or why the message is not routed: 3.1.1 drops it silently, MQTT 5 says why in the ack. */
function refusal(connection: Connection, packet: IPublishPacket, topic: string): number {
  const { acl } = connection.broker.auth;
  // $SYS/ belongs to the broker: clients may not overwrite its statistics (Mosquitto refuses them too).
  if (topic.startsWith('$SYS/') || (acl && !acl.canPublish({ clientId: connection.clientId, username: connection.username }, topic))) {
    connection.broker.events.emit('messageDropped', { clientId: connection.clientId, topic, reason: 'not authorized' });
    return ReasonCode.NotAuthorized;
  }
  if (packet.properties?.payloadFormatIndicator && invalidUtf8(packet.payload as Buffer)) {
    return ReasonCode.PayloadFormatInvalid;
  }
  return ReasonCode.Success;
}

/** Refuses properties mqtt-packet let through; returns the user properties when their order needs keeping. */
function checkProperties(bytes: Buffer, packet: IPublishPacket): UserPropertyPairs | undefined {
  const scan = scanPublishProperties(bytes);
  if (scan.problem) throw new BrokerError(scan.problem.reasonCode, scan.problem.message);
  const userProperties = packet.properties?.userProperties;
  return userProperties && orderAtRisk(userProperties) ? scan.pairs : undefined;
}

function toMessage(connection: Connection, packet: IPublishPacket, topic: string, ordered: UserPropertyPairs | undefined): Message {
  const now = Date.now();
  const message: Message = {
    topic, payload: packet.payload as Buffer, qos: packet.qos, retain: packet.retain,
    publisher: connection.clientId, receivedAt: now,
  };
  if (packet.properties) {
    const { topicAlias, subscriptionIdentifier, messageExpiryInterval, ...rest } = packet.properties;
    if (messageExpiryInterval !== undefined) message.expiresAt = now + messageExpiryInterval * 1000;
    if (Object.keys(rest).length > 0) message.properties = rest as MessageProperties;
    if (ordered) message.userPropertyOrder = ordered;
  }
  return message;
}
