import type { IPubcompPacket } from 'mqtt-packet';
import type { Connection } from '../connection.js';

/** PUBCOMP: a QoS 2 delivery is complete. */
export function handlePubcomp(connection: Connection, packet: IPubcompPacket): void {
  connection.session!.acknowledge(packet.messageId!);
}
