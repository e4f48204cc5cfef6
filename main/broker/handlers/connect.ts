// CONNECT → CONNACK: protocol checks, client id, keep-alive, will, authentication, then the session.
import { randomBytes } from 'node:crypto';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import { encodingProblem, topicNameProblem } from '../../../shared/mqtt/topic.js';
import type { Connection, ProtocolVersion } from '../connection.js';
import { BrokerError } from '../errors.js';
import type { QoS } from '../message.js';
import { NEVER_EXPIRES, type Will } from '../session.js';
import { invalidUtf8 } from './validate.js';

export function handleConnect(connection: Connection, packet: IConnectPacket): void {
  const { broker } = connection;
  const version = (packet.protocolVersion ?? 4) as ProtocolVersion;
  connection.protocolVersion = version;
  checkProtocolName(packet, version);
  const v5 = version === 5;
  const properties = packet.properties ?? {};
  if (v5 && properties.authenticationMethod !== undefined) {
    throw new BrokerError(ReasonCode.BadAuthenticationMethod, `authentication method "${properties.authenticationMethod}" is not supported`);
  }
  if (!v5 && packet.password !== undefined && packet.username === undefined) {
    throw new BrokerError(ReasonCode.MalformedPacket, 'a password without a user name', '[MQTT-3.1.2-22]');
  }
  if (properties.receiveMaximum === 0 || properties.maximumPacketSize === 0) {
    throw new BrokerError(ReasonCode.ProtocolError, 'receive maximum and maximum packet size must not be 0');
  }
  const cleanStart = packet.clean !== false;
  const assigned = packet.clientId === '';
  const clientId = assigned ? assignClientId(version, cleanStart) : packet.clientId;
  const idProblem = encodingProblem(clientId);
  if (idProblem) throw new BrokerError(ReasonCode.ClientIdentifierNotValid, `client identifier ${idProblem}`);
  const keepAlive = packet.keepalive ?? 0;
  const maxKeepAlive = broker.limits.maxKeepAlive;
  // 3.1.1 has no way to tell the client a shorter keep-alive, so it is refused (as Mosquitto does).
  if (!v5 && (keepAlive > maxKeepAlive || (keepAlive === 0 && maxKeepAlive < 65535))) {
    throw new BrokerError(ReasonCode.ClientIdentifierNotValid, `keep-alive ${keepAlive} s is above the maximum ${maxKeepAlive} s`);
  }
  // MQTT 5 clients are told the keep-alive to use instead [MQTT-3.2.2-21].
  const serverKeepAlive = keepAlive > maxKeepAlive || (keepAlive === 0 && maxKeepAlive < 65535) ? maxKeepAlive : keepAlive;
  const will = packet.will ? readWill(packet.will, clientId, packet.username, v5) : null;
  if (broker.connectedCount >= broker.limits.maxConnections) {
    throw new BrokerError(ReasonCode.ServerBusy, `the broker has its maximum of ${broker.limits.maxConnections} connections`);
  }
  const verdict = broker.auth.authenticate({
    clientId, username: packet.username, password: packet.password, remoteAddress: connection.remoteAddress,
  });
  if (verdict === 'bad credentials') throw new BrokerError(ReasonCode.BadUserNameOrPassword, 'bad user name or password');
  if (verdict === 'not authorized') throw new BrokerError(ReasonCode.NotAuthorized, 'not authorized to connect');

  connection.clientId = clientId;
  connection.username = packet.username;
  if (v5) {
    connection.clientMaxPacketSize = properties.maximumPacketSize ?? Infinity;
    connection.clientTopicAliasMax = properties.topicAliasMaximum ?? 0;
  }
  const expiry = v5 ? properties.sessionExpiryInterval ?? 0 : cleanStart ? 0 : NEVER_EXPIRES;
  const { session, present } = broker.openSession(connection, cleanStart, expiry);
  session.will = will;
  connection.keepAlive = serverKeepAlive;
  const connack: IConnackPacket = { cmd: 'connack', sessionPresent: present };
  if (v5) {
    connack.reasonCode = ReasonCode.Success;
    connack.properties = {
      receiveMaximum: broker.limits.receiveMaximum,
      maximumPacketSize: broker.limits.maxPacketSize,
      topicAliasMaximum: broker.limits.topicAliasMaximum,
      retainAvailable: true,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
      sharedSubscriptionAvailable: true,
      ...(assigned ? { assignedClientIdentifier: clientId } : {}),
      ...(serverKeepAlive !== keepAlive ? { serverKeepAlive } : {}),
    };
  } else {
    connack.returnCode = 0;
  }
  connection.write(connack);
  session.attach(connection, v5 ? properties.receiveMaximum ?? 65535 : 65535);
  broker.events.emit('clientConnected', {
    connectionId: connection.id, clientId, remoteAddress: connection.remoteAddress, protocolVersion: version,
    username: packet.username, cleanStart, keepAlive: serverKeepAlive,
  });
}

function checkProtocolName(packet: IConnectPacket, version: ProtocolVersion): void {
  const expected = version === 3 ? 'MQIsdp' : 'MQTT';
  if (packet.protocolId !== expected) {
    throw new BrokerError(ReasonCode.UnsupportedProtocolVersion, `protocol "${packet.protocolId}" level ${version} is not a known MQTT version`);
  }
}

/** A zero-length client id is given one when the session is clean (3.1.1) or always (5) [MQTT-3.1.3-6/8]. */
function assignClientId(version: ProtocolVersion, cleanStart: boolean): string {
  if (version !== 5 && !cleanStart) {
    throw new BrokerError(ReasonCode.ClientIdentifierNotValid, 'an empty client id needs a clean session', '[MQTT-3.1.3-8]');
  }
  if (version === 3) throw new BrokerError(ReasonCode.ClientIdentifierNotValid, 'MQTT 3.1 needs a client id');
  return `auto-${randomBytes(8).toString('hex')}`;
}

function readWill(will: NonNullable<IConnectPacket['will']>, clientId: string, username: string | undefined, v5: boolean): Will {
  const problem = topicNameProblem(will.topic);
  if (problem) throw new BrokerError(ReasonCode.TopicNameInvalid, `will topic ${problem}`, '[MQTT-3.1.3-11]');
  const qos = will.qos ?? 0;
  if (qos > 2) throw new BrokerError(ReasonCode.MalformedPacket, 'will QoS 3', '[MQTT-3.1.2-14]');
  const payload = Buffer.isBuffer(will.payload) ? will.payload : Buffer.from(will.payload);
  const { willDelayInterval, messageExpiryInterval, ...properties } = will.properties ?? {};
  if (v5 && properties.payloadFormatIndicator && invalidUtf8(payload)) {
    throw new BrokerError(ReasonCode.PayloadFormatInvalid, 'will payload is marked UTF-8 but is not');
  }
  return {
    message: {
      topic: will.topic, payload, qos: qos as QoS, retain: will.retain === true,
      ...(v5 && Object.keys(properties).length > 0 ? { properties } : {}),
      publisher: clientId, receivedAt: 0,
    },
    delay: willDelayInterval ?? 0,
    ...(messageExpiryInterval !== undefined ? { messageExpiryInterval } : {}),
    ...(username !== undefined ? { username } : {}),
  };
}
