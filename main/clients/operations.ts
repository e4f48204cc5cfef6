// Publish, subscribe and unsubscribe on a connected mqtt.js client, with results as the contract
// shapes them. The NamedClient around them keeps state; these only talk to mqtt.js.
import type { ISubscriptionMap, MqttClient, Packet } from 'mqtt';
import type { PublishResult, SubscribeResult, UnsubscribeResult } from '../../shared/contract/clients.js';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { PayloadInput, PublishProperties, QoS } from '../../shared/contract/mqtt-values.js';
import { topicFilterProblem, topicNameProblem } from '../../shared/mqtt/topic.js';
import { payloadBytes } from './payload.js';
import { publishProperties } from './properties.js';

/** A publish; what is left out gets the contract's defaults. */
export interface PublishRequest {
  topic: string;
  payload?: PayloadInput;
  qos?: QoS;
  retain?: boolean;
  properties?: PublishProperties;
}

export interface SubscribeRequest {
  filter: string;
  qos?: QoS;
  options?: {
    noLocal?: boolean;
    retainAsPublished?: boolean;
    retainHandling?: 0 | 1 | 2;
    subscriptionIdentifier?: number;
  };
}

type SubackPacket = Extract<Packet, { cmd: 'suback' }>;
type UnsubackPacket = Extract<Packet, { cmd: 'unsuback' }>;

function invalid(path: string, message: string): never {
  throw new WorkbenchError('invalid-input', message, [{ path, message }]);
}

const failed = (what: string, error: Error) => new WorkbenchError('mqtt-error', `${what} failed: ${error.message}`);

/** Checks the topic against the alias rules: empty only with an MQTT 5 topic alias. */
export function checkPublishTopic(topic: string, v5: boolean, topicAlias: number | undefined): void {
  if (topic === '') {
    if (!v5 || topicAlias === undefined) invalid('topic', 'a topic is needed (it may be empty only with an MQTT 5 topic alias)');
    return;
  }
  const problem = topicNameProblem(topic);
  if (problem) invalid('topic', problem);
}

/** Bytes and options of a publish, checked before anything is sent. */
export async function preparePublish(request: PublishRequest, v5: boolean) {
  const properties = v5 ? publishProperties(request.properties) : undefined;
  checkPublishTopic(request.topic, v5, properties?.topicAlias);
  const payload = await payloadBytes(request.payload ?? { format: 'text', data: '' });
  const qos = request.qos ?? 0;
  return { topic: request.topic, payload, options: { qos, retain: request.retain ?? false, ...(properties ? { properties } : {}) } };
}

/**
 * Publishes and resolves at the end of the QoS flow. `ackCodes` holds the reason code of each
 * PUBACK/PUBREC received, by packet id (mqtt.js hands back the stored PUBLISH on success, not the ack).
 */
export function publishPrepared(client: MqttClient, prepared: Awaited<ReturnType<typeof preparePublish>>, ackCodes: Map<number, number>): Promise<PublishResult> {
  return new Promise((resolve, reject) => {
    client.publish(prepared.topic, prepared.payload, prepared.options, (error, packet) => {
      const packetId = prepared.options.qos > 0 ? (packet as { messageId?: number } | undefined)?.messageId : undefined;
      const reasonCode = packetId === undefined ? undefined : ackCodes.get(packetId);
      if (packetId !== undefined) ackCodes.delete(packetId);
      // A refusal (PUBACK 0x87…) is a result for the user to see; only a failed exchange rejects.
      if (error && reasonCode === undefined) return reject(failed('publish', error));
      resolve({
        size: prepared.payload.length,
        ...(packetId !== undefined ? { packetId } : {}),
        ...(reasonCode !== undefined ? { reasonCode } : {}),
      });
    });
  });
}

export function subscribe(client: MqttClient, v5: boolean, request: SubscribeRequest): Promise<SubscribeResult> {
  const problem = topicFilterProblem(request.filter);
  if (problem) invalid('filter', problem);
  const o = request.options ?? {};
  const subscriptionIdentifier = v5 ? o.subscriptionIdentifier : undefined;
  return new Promise((resolve, reject) => {
    // `resubscribe: true` makes mqtt.js send the SUBSCRIBE even when it thinks it already holds the
    // filter: on a workbench, the user asked for that packet.
    const map = {
      [request.filter]: { qos: request.qos ?? 0, ...(v5 ? { nl: o.noLocal ?? false, rap: o.retainAsPublished ?? false, rh: o.retainHandling ?? 0 } : {}) },
      resubscribe: true,
    } as ISubscriptionMap;
    const properties = subscriptionIdentifier !== undefined ? { properties: { subscriptionIdentifier } } : {};
    client.subscribe(map, properties, (error, _granted, packet?: SubackPacket) => {
      // A refused filter comes back as an error carrying the SUBACK: that is still a result.
      if (!packet) return reject(failed('subscribe', error ?? new Error('no SUBACK')));
      resolve({ granted: packet.granted as number[] });
    });
  });
}

export function unsubscribe(client: MqttClient, filter: string): Promise<UnsubscribeResult> {
  const problem = topicFilterProblem(filter);
  if (problem) invalid('filter', problem);
  return new Promise((resolve, reject) => {
    client.unsubscribe(filter, {}, (error, packet) => {
      if (error) return reject(failed('unsubscribe', error));
      const unsuback = packet as UnsubackPacket | undefined;
      resolve({ reasonCodes: Array.isArray(unsuback?.granted) ? unsuback.granted : [] });
    });
  });
}
