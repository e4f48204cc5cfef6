import type { IPubrecPacket } from 'mqtt-packet';
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import type { Connection } from '../connection.js';

/** PUBREC: the client has a QoS 2 delivery; answer PUBREL (or stop, if MQTT 5 says it refused it). */
export function handlePubrec(connection: Connection, packet: IPubrecPacket): void {
  const refused = (packet.reasonCode ?? 0) >= 0x80;
  if (!connection.session!.received(packet.messageId!, refused) && !refused) {
    const code = connection.protocolVersion === 5 ? ReasonCode.PacketIdentifierNotFound : ReasonCode.Success;
    connection.writeAck('pubrel', packet.messageId!, code);
  }
}
