// A replay publishing through a named client: the replay's messages in the shape NamedClient.publish takes.
import type { PublishProperties } from '../../shared/contract/mqtt-values.js';
import type { PublishRequest } from '../clients/operations.js';
import type { ReplayPublisher } from './replay.js';
import type { ReplayProperties } from './replay-properties.js';

export function namedClientPublisher(client: { publish(request: PublishRequest): Promise<unknown> }): ReplayPublisher {
  return {
    async publish(topic, payload, { qos, retain, properties }) {
      await client.publish({
        topic, qos, retain,
        payload: { format: 'base64', data: payload.toString('base64') },
        ...(properties ? { properties: requestProperties(properties) } : {}),
      });
    },
  };
}

/** Correlation data as hex, user properties as ordered pairs: the contract's way of writing them. */
function requestProperties(p: ReplayProperties): PublishProperties {
  const { correlationData, userProperties, ...rest } = p;
  const out: PublishProperties = { ...rest };
  if (correlationData) out.correlationData = correlationData.toString('hex');
  if (userProperties) {
    out.userProperties = Object.entries(userProperties).flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value]).map((v): [string, string] => [key, v]));
  }
  return out;
}
