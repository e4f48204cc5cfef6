import type { IPublishPacket } from 'mqtt-packet';

export type QoS = 0 | 1 | 2;

/** The MQTT 5 PUBLISH properties a message carries from publisher to subscriber (topic alias and
 *  subscription identifiers are per connection, so they are not part of the message). */
export type MessageProperties = Omit<NonNullable<IPublishPacket['properties']>, 'topicAlias' | 'subscriptionIdentifier'>;

/** An application message as the broker holds it: once per publish, shared by every delivery. */
export interface Message {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: MessageProperties;
  /** User properties in wire order, only when `properties.userProperties` cannot hold that order. */
  userPropertyOrder?: Array<[string, string]>;
  /** Epoch ms after which the message must not be delivered (MQTT 5 message expiry). */
  expiresAt?: number;
  /** Client id of the publisher ('' for the broker itself, e.g. $SYS). */
  publisher: string;
  /** Epoch ms when the broker received it. */
  receivedAt: number;
  /** The client id whose will this is, when the broker published it as a will (not kept across restarts). */
  willOf?: string;
}

/** One message on its way to one session: the QoS and retain flag it is delivered with. */
export interface Delivery {
  message: Message;
  qos: QoS;
  retain: boolean;
  subscriptionIds?: number[];
}
