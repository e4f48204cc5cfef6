import type { IPubrelPacket } from 'mqtt-packet';
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import type { Connection } from '../connection.js';

/** PUBREL: the publisher releases a QoS 2 message; forget its id and answer PUBCOMP once that is durable. */
export function handlePubrel(connection: Connection, packet: IPubrelPacket): void {
  const session = connection.session!;
  const messageId = packet.messageId!;
  const known = session.incomingQos2.delete(messageId);
  if (known && session.persistent) connection.broker.persistence.deleteIncomingQos2(session.clientId, messageId);
  const code = !known && connection.protocolVersion === 5 ? ReasonCode.PacketIdentifierNotFound : ReasonCode.Success;
  connection.broker.persistence.afterCommit(() => connection.writeAck('pubcomp', messageId, code));
}
