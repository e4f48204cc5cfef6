import type { IDisconnectPacket } from 'mqtt-packet';
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import type { Connection } from '../connection.js';
import { BrokerError } from '../errors.js';

/** DISCONNECT from the client: a normal end discards the will, unless MQTT 5 reason 0x04 asks for it. */
export function handleDisconnect(connection: Connection, packet: IDisconnectPacket): void {
  const session = connection.session!;
  const expiry = packet.properties?.sessionExpiryInterval;
  if (expiry !== undefined) {
    if (session.expiryInterval === 0 && expiry !== 0) {
      throw new BrokerError(ReasonCode.ProtocolError, 'session expiry set on DISCONNECT after 0 on CONNECT', '[MQTT-3.14.2-2]');
    }
    session.expiryInterval = expiry;
  }
  const withWill = packet.reasonCode === ReasonCode.DisconnectWithWill;
  connection.graceful = !withWill;
  connection.closeReason = withWill ? 'client sent DISCONNECT with will' : 'client sent DISCONNECT';
  connection.end();
}
