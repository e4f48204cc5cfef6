// A client profile → what mqtt.js needs to connect: a URL and IClientOptions.
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import type { IClientOptions } from 'mqtt';
import type { ClientProfile } from '../../shared/contract/clients.js';
import { WorkbenchError } from '../../shared/contract/errors.js';
import { fileReason, payloadBytes } from './payload.js';
import { userPropertiesObject } from './properties.js';

/** Where the embedded broker listens (what the broker's listen() reported); absent = not listening. */
export interface EmbeddedTarget {
  tcp?: { host: string; port: number };
  ws?: { host: string; port: number; path: string };
}

export interface ConnectTarget {
  url: string;
  options: IClientOptions;
}

const DEFAULT_PORTS = { tcp: 1883, tls: 8883, ws: 80, wss: 443 } as const;
const SCHEMES = { tcp: 'mqtt', tls: 'mqtts', ws: 'ws', wss: 'wss' } as const;

function invalid(path: string, message: string): never {
  throw new WorkbenchError('invalid-input', message, [{ path, message }]);
}

/** The URL to connect to: the profile's host, or the embedded broker's listener for the transport. */
export function connectUrl(profile: ClientProfile, embedded: EmbeddedTarget): string {
  const scheme = SCHEMES[profile.transport];
  if (profile.host) {
    const port = profile.port ?? DEFAULT_PORTS[profile.transport];
    const path = profile.transport === 'ws' || profile.transport === 'wss' ? profile.path : '';
    return `${scheme}://${hostForUrl(profile.host)}:${port}${path}`;
  }
  switch (profile.transport) {
    case 'tls':
    case 'wss':
      return invalid('host', 'the embedded broker has no TLS listener; set a host and port');
    case 'tcp':
      if (!embedded.tcp) throw new WorkbenchError('mqtt-error', 'the embedded broker is not listening on TCP; start it, or set a host');
      return `mqtt://${hostForUrl(reachable(embedded.tcp.host))}:${embedded.tcp.port}`;
    case 'ws':
      if (!embedded.ws) throw new WorkbenchError('mqtt-error', 'the embedded broker is not listening on WebSocket; start it, or set a host');
      return `ws://${hostForUrl(reachable(embedded.ws.host))}:${embedded.ws.port}${embedded.ws.path}`;
  }
}

/** A listener bound to every interface is reached over loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function hostForUrl(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** The client id sent in CONNECT: the profile's, or the name. */
export function profileClientId(profile: ClientProfile): string {
  return profile.clientId ?? profile.name;
}

/**
 * Everything mqtt.js needs. `password` is the decrypted stored password (profiles read back carry
 * none). Reads the will payload and TLS files, so it fails with a readable error naming a bad file.
 */
export async function connectOptions(profile: ClientProfile, password: string | undefined, embedded: EmbeddedTarget): Promise<ConnectTarget> {
  const url = connectUrl(profile, embedded);
  const v5 = profile.protocolVersion === 5;
  const clientId = profileClientId(profile);
  if (clientId === '' && !profile.cleanStart) {
    invalid('clientId', 'an empty client id (assigned by the broker) needs clean start: the session could not be resumed');
  }
  if (!v5 && password !== undefined && profile.username === undefined) {
    invalid('username', 'MQTT 3.1.1 sends a password only together with a user name');
  }
  const options: IClientOptions = {
    clientId,
    protocolVersion: profile.protocolVersion,
    clean: profile.cleanStart,
    keepalive: profile.keepAlive,
    // 0 switches mqtt.js reconnects off: a failed connect then stays failed.
    reconnectPeriod: profile.autoReconnect ? profile.reconnectPeriodMs : 0,
    connectTimeout: profile.connectTimeoutMs,
    // The workbench shows what it was asked to send; mqtt.js must not rewrite topics behind its back.
    autoUseTopicAlias: false,
    autoAssignTopicAlias: false,
  };
  if (profile.username !== undefined) options.username = profile.username;
  if (password !== undefined) options.password = password;
  if (profile.will) {
    const will = profile.will;
    options.will = {
      topic: will.topic,
      payload: await payloadBytes(will.payload, 'will.payload'),
      qos: will.qos,
      retain: will.retain,
      ...(v5 && will.delayInterval !== undefined ? { properties: { willDelayInterval: will.delayInterval } } : {}),
    };
  }
  if (v5) {
    const properties: NonNullable<IClientOptions['properties']> = {};
    if (profile.sessionExpiryInterval !== undefined) properties.sessionExpiryInterval = profile.sessionExpiryInterval;
    if (profile.userProperties?.length) properties.userProperties = userPropertiesObject(profile.userProperties);
    if (Object.keys(properties).length > 0) options.properties = properties;
  }
  if (profile.transport === 'tls' || profile.transport === 'wss') Object.assign(options, await tlsOptions(profile));
  return { url, options };
}

async function tlsOptions(profile: ClientProfile): Promise<IClientOptions> {
  const tls = profile.tls;
  const options: IClientOptions = { rejectUnauthorized: !(tls?.allowSelfSigned ?? false) };
  if (tls?.caFile) options.ca = await tlsFile(tls.caFile, 'tls.caFile', 'CA certificate');
  if (tls?.certFile) options.cert = await tlsFile(tls.certFile, 'tls.certFile', 'client certificate');
  if (tls?.keyFile) options.key = await tlsFile(tls.keyFile, 'tls.keyFile', 'client key');
  if (tls?.certFile && !tls.keyFile) invalid('tls.keyFile', 'a client certificate needs its key file');
  if (tls?.keyFile && !tls.certFile) invalid('tls.certFile', 'a client key needs its certificate file');
  return options;
}

async function tlsFile(path: string, field: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    return invalid(field, `cannot read the ${what} "${path}": ${fileReason(error)}`);
  }
}
