// SUBSCRIBE → SUBACK, then the retained messages the new subscriptions ask for.
import type { ISubscribePacket, ISubscription } from 'mqtt-packet';
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import { parseSharedFilter, topicFilterProblem } from '../../../shared/mqtt/topic.js';
import type { Connection } from '../connection.js';
import { BrokerError } from '../errors.js';
import type { Message, QoS } from '../message.js';
import type { Subscription } from '../session.js';
import { checkEncoding, rawFilters, tooDeep } from './validate.js';

export function handleSubscribe(connection: Connection, packet: ISubscribePacket, bytes: Buffer): void {
  const v5 = connection.protocolVersion === 5;
  if (packet.subscriptions.length === 0) {
    throw new BrokerError(ReasonCode.ProtocolError, 'SUBSCRIBE without topic filters', '[MQTT-3.8.3-2]');
  }
  for (const { topic } of packet.subscriptions) checkEncoding(topic, 'topic filter', () => rawFilters(bytes, v5, true));
  const subscriptionId = packet.properties?.subscriptionIdentifier;
  if (subscriptionId === 0) {
    throw new BrokerError(ReasonCode.ProtocolError, 'subscription identifier 0');
  }
  const granted: number[] = [];
  const retainedFor: Subscription[] = [];
  for (const request of packet.subscriptions) {
    const outcome = subscribeOne(connection, request, v5 ? subscriptionId : undefined);
    if (typeof outcome === 'number') {
      // 3.1.1 has one failure code; MQTT 5 says which failure [MQTT-3.9.3-2].
      granted.push(v5 ? outcome : 0x80);
      continue;
    }
    granted.push(outcome.subscription.qos);
    const { retainHandling } = outcome.subscription;
    if (!outcome.subscription.shareGroup && (retainHandling === 0 || (retainHandling === 1 && !outcome.existed))) {
      retainedFor.push(outcome.subscription);
    }
  }
  connection.write({ cmd: 'suback', messageId: packet.messageId, granted });
  if (retainedFor.length > 0) sendRetained(connection, retainedFor);
}

function subscribeOne(connection: Connection, request: ISubscription, subscriptionId: number | undefined) {
  const { broker } = connection;
  const shared = parseSharedFilter(request.topic);
  if (shared === 'invalid') return ReasonCode.TopicFilterInvalid;
  const topicFilter = shared ? shared.filter : request.topic;
  if (topicFilterProblem(topicFilter) || tooDeep(topicFilter)) return ReasonCode.TopicFilterInvalid;
  if (shared && request.nl) {
    throw new BrokerError(ReasonCode.ProtocolError, 'no-local on a shared subscription', '[MQTT-3.8.3-4]');
  }
  const subject = { clientId: connection.clientId, username: connection.username };
  if (broker.auth.acl && !broker.auth.acl.canSubscribe(subject, topicFilter)) return ReasonCode.NotAuthorized;
  const subscription: Subscription = {
    session: connection.session!,
    filter: request.topic,
    topicFilter,
    qos: Math.min(request.qos, 2) as QoS,
    noLocal: request.nl === true,
    retainAsPublished: request.rap === true,
    retainHandling: (request.rh ?? 0) as 0 | 1 | 2,
    ...(subscriptionId !== undefined ? { subscriptionId } : {}),
    ...(shared ? { shareGroup: shared.group } : {}),
  };
  const existed = broker.subscribe(subscription);
  return { subscription, existed };
}

/**
 * Retained messages go out with retain=1 [MQTT-3.3.1-8], at most at the subscription's QoS. A filter
 * such as `#` can match very many: they are sent as the socket drains, so none is dropped as to a slow
 * consumer and the socket buffer stays bounded.
 */
function sendRetained(connection: Connection, subscriptions: Subscription[]): void {
  const { broker } = connection;
  const session = connection.session!;
  const { acl } = broker.auth;
  const subject = { clientId: connection.clientId, username: connection.username };
  const now = Date.now();
  const pending: Array<{ message: Message; subscription: Subscription }> = [];
  for (const subscription of subscriptions) {
    for (const message of broker.retained.match(subscription.topicFilter)) {
      if (expired(message, now) || (acl && !acl.canReceive(subject, message.topic))) continue;
      pending.push({ message, subscription });
    }
  }
  let next = 0;
  const pump = () => {
    while (next < pending.length) {
      if (connection.ending || session.link !== connection) return;
      if (connection.backedUp) {
        connection.socket.once('drain', pump);
        return;
      }
      const { message, subscription } = pending[next++];
      session.deliver({
        message,
        qos: (message.qos < subscription.qos ? message.qos : subscription.qos) as QoS,
        retain: true,
        ...(subscription.subscriptionId !== undefined ? { subscriptionIds: [subscription.subscriptionId] } : {}),
      }, true);
    }
  };
  pump();
}

function expired(message: Message, now: number): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= now;
}
