// A replay publishing through an mqtt.js client. Typed by the one method it uses, so this layer needs
// no import of mqtt (an MqttClient fits as it is).
import type { ReplayPublisher, ReplayPublishOptions } from './replay.js';

/** The part of an mqtt.js MqttClient a replay uses. */
export interface PublishingClient {
  publish(topic: string, payload: Buffer, options: ReplayPublishOptions, callback: (error?: Error) => void): unknown;
}

/**
 * Resolves when mqtt.js calls back: QoS 0 once written, QoS 1/2 at the end of the acknowledgement flow.
 * (On an MQTT 3.1.1 connection mqtt.js leaves the properties out.)
 */
export function mqttPublisher(client: PublishingClient): ReplayPublisher {
  return {
    publish: (topic, payload, options) => new Promise<void>((resolve, reject) => {
      client.publish(topic, payload, options, (error) => (error ? reject(error) : resolve()));
    }),
  };
}
