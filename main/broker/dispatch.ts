// Routes each decoded packet to its handler, and turns every BrokerError into the one outcome the
// protocol asks for: a refusing CONNACK, an MQTT 5 DISCONNECT with the reason, or a plain close.
import type { Packet } from 'mqtt-packet';
import { connackReturnCodeFor, ReasonCode } from '../../shared/mqtt/reason-codes.js';
import type { Connection } from './connection.js';
import { BrokerError } from './errors.js';
import { handleConnect } from './handlers/connect.js';
import { handleDisconnect } from './handlers/disconnect.js';
import { handlePuback } from './handlers/puback.js';
import { handlePubcomp } from './handlers/pubcomp.js';
import { handlePublish } from './handlers/publish.js';
import { handlePubrec } from './handlers/pubrec.js';
import { handlePubrel } from './handlers/pubrel.js';
import { handleSubscribe } from './handlers/subscribe.js';
import { handleUnsubscribe } from './handlers/unsubscribe.js';

export function dispatch(connection: Connection, packet: Packet, bytes: Buffer): void {
  if (packet.cmd === 'connect') {
    if (connection.connected) {
      failConnection(connection, new BrokerError(ReasonCode.ProtocolError, 'a second CONNECT on one connection', '[MQTT-3.1.0-2]'));
      return;
    }
    try {
      handleConnect(connection, packet);
    } catch (error) {
      const refusal = asBrokerError(error);
      report(connection, refusal);
      refuseConnect(connection, refusal);
    }
    return;
  }
  try {
    if (!connection.connected) {
      throw new BrokerError(ReasonCode.ProtocolError, `${packet.cmd.toUpperCase()} before CONNECT`, '[MQTT-3.1.0-1]');
    }
    if (packet.messageId === 0) {
      throw new BrokerError(ReasonCode.ProtocolError, `${packet.cmd.toUpperCase()} with packet identifier 0`, '[MQTT-2.3.1-1]');
    }
    switch (packet.cmd) {
      case 'publish': return handlePublish(connection, packet, bytes);
      case 'puback': return handlePuback(connection, packet);
      case 'pubrec': return handlePubrec(connection, packet);
      case 'pubrel': return handlePubrel(connection, packet);
      case 'pubcomp': return handlePubcomp(connection, packet);
      case 'subscribe': return handleSubscribe(connection, packet, bytes);
      case 'unsubscribe': return handleUnsubscribe(connection, packet, bytes);
      case 'pingreq': return connection.write({ cmd: 'pingresp' });
      case 'disconnect': return handleDisconnect(connection, packet);
      case 'auth':
        throw new BrokerError(ReasonCode.ProtocolError, 'AUTH without an authentication method in CONNECT', '[MQTT-4.12.0-1]');
      default:
        throw new BrokerError(ReasonCode.ProtocolError, `${packet.cmd.toUpperCase()} is sent by servers, not clients`);
    }
  } catch (error) {
    failConnection(connection, asBrokerError(error));
  }
}

/** Ends a connection because of what it sent (or failed to send). */
export function failConnection(connection: Connection, error: BrokerError): void {
  if (connection.ending) return;
  report(connection, error);
  if (!connection.connected && error.message.includes('Invalid protocol version')) {
    // The one parser error the protocol answers: 3.1.1 return code 1 [MQTT-3.1.2-2].
    refuseConnect(connection, new BrokerError(ReasonCode.UnsupportedProtocolVersion, error.message));
    return;
  }
  if (connection.connected && connection.protocolVersion === 5) {
    connection.write({ cmd: 'disconnect', reasonCode: error.reasonCode, properties: { reasonString: error.message } });
  }
  connection.closeReason = error.message;
  connection.end();
}

/** Answers a CONNECT that cannot be accepted, then closes. */
function refuseConnect(connection: Connection, error: BrokerError): void {
  connection.closeReason = `CONNECT refused: ${error.message}`;
  if (connection.protocolVersion === 5) {
    connection.write({ cmd: 'connack', sessionPresent: false, reasonCode: error.reasonCode, properties: { reasonString: error.message } });
  } else {
    const returnCode = connackReturnCodeFor(error.reasonCode);
    if (returnCode !== null) connection.write({ cmd: 'connack', sessionPresent: false, returnCode });
  }
  connection.end();
}

function report(connection: Connection, error: BrokerError): void {
  connection.broker.events.emit('connectionError', {
    connectionId: connection.id, remoteAddress: connection.remoteAddress, error,
  });
}

function asBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BrokerError(ReasonCode.ImplementationSpecificError, `internal error: ${message}`);
}
