import type { IUnsubscribePacket } from 'mqtt-packet';
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import type { Connection } from '../connection.js';

/** UNSUBSCRIBE → UNSUBACK; MQTT 5 says per filter whether a subscription existed. */
export function handleUnsubscribe(connection: Connection, packet: IUnsubscribePacket): void {
  const session = connection.session!;
  const codes = packet.unsubscriptions.map((filter) =>
    connection.broker.unsubscribe(session, filter) ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted,
  );
  // 3.1.1 UNSUBACK has no payload; the encoder ignores the codes there.
  connection.write({ cmd: 'unsuback', messageId: packet.messageId!, granted: codes });
}
