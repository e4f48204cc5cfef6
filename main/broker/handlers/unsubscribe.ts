import type { IUnsubscribePacket } from 'mqtt-packet';
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import type { Connection } from '../connection.js';
import { BrokerError } from '../errors.js';
import { checkEncoding, rawFilters } from './validate.js';

/** UNSUBSCRIBE → UNSUBACK; MQTT 5 says per filter whether a subscription existed. */
export function handleUnsubscribe(connection: Connection, packet: IUnsubscribePacket, bytes: Buffer): void {
  const session = connection.session!;
  if (packet.unsubscriptions.length === 0) {
    throw new BrokerError(ReasonCode.ProtocolError, 'UNSUBSCRIBE without topic filters', '[MQTT-3.10.3-2]');
  }
  const v5 = connection.protocolVersion === 5;
  for (const filter of packet.unsubscriptions) checkEncoding(filter, 'topic filter', () => rawFilters(bytes, v5, false));
  const codes = packet.unsubscriptions.map((filter) =>
    connection.broker.unsubscribe(session, filter) ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted,
  );
  // 3.1.1 UNSUBACK has no payload; the encoder ignores the codes there.
  connection.write({ cmd: 'unsuback', messageId: packet.messageId!, granted: codes });
}
