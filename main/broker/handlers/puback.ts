import type { IPubackPacket } from 'mqtt-packet';
import type { Connection } from '../connection.js';

/** PUBACK: a QoS 1 delivery is done; the next queued message may go. Unknown ids are ignored. */
export function handlePuback(connection: Connection, packet: IPubackPacket): void {
  connection.session!.acknowledge(packet.messageId!);
}
