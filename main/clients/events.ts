// What named clients emit (the registry re-emits these with the client's name).
import type { IPublishPacket, Packet } from 'mqtt';
import type { ClientInfo } from '../../shared/contract/clients.js';
import type { QoS } from '../../shared/contract/mqtt-values.js';

export interface ClientPacketEvent {
  direction: 'in' | 'out';
  /** As mqtt.js sent or received it (mqtt-packet's shape). */
  packet: Packet;
  /** The MQTT version the client speaks (to encode the packet again: mqtt.js gives no bytes). */
  protocolVersion: number;
  /** Epoch microseconds. */
  time: number;
}

export interface ClientMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  packetId?: number;
  properties?: IPublishPacket['properties'];
  /** Epoch microseconds. */
  time: number;
}

export interface NamedClientEvents {
  packet: [ClientPacketEvent];
  changed: [ClientInfo];
  message: [ClientMessage];
}
