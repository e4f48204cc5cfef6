// MQTT 5 properties as the contract spells them → as mqtt.js wants them.
import type { IClientPublishOptions } from 'mqtt';
import type { PublishProperties } from '../../shared/contract/mqtt-values.js';

/**
 * User properties arrive as [key, value] pairs in wire order; mqtt.js wants an object. A key that
 * repeats becomes an array, which mqtt-packet writes as one pair per value, in order.
 */
export function userPropertiesObject(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of pairs) {
    const seen = result[key];
    if (seen === undefined) result[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else result[key] = [seen, value];
  }
  return result;
}

type MqttPublishProperties = NonNullable<IClientPublishOptions['properties']>;

/** PUBLISH properties for mqtt.js; undefined when none is set. */
export function publishProperties(p: PublishProperties | undefined): MqttPublishProperties | undefined {
  if (!p) return undefined;
  const out: MqttPublishProperties = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData) out.correlationData = Buffer.from(p.correlationData, 'hex');
  if (p.userProperties?.length) out.userProperties = userPropertiesObject(p.userProperties);
  if (p.topicAlias !== undefined) out.topicAlias = p.topicAlias;
  return Object.keys(out).length > 0 ? out : undefined;
}
