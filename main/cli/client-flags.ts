// How `record` and `replay` reach a broker, shared by both: the flags (what mosquitto_sub offers) and
// flags → the named client's profile fields, checked before anything connects.
import { accessSync, constants, statSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { TRANSPORTS, type ClientProfileInput } from '../../shared/contract/clients.js';
import { integer, oneOf } from './options.js';

type Transport = (typeof TRANSPORTS)[number];
type ProtocolVersion = 4 | 5;

export interface ClientFlags {
  host: string;
  /** Absent: the transport's usual port (DEFAULT_PORTS). */
  port?: number;
  transport: Transport;
  /** Absent: /mqtt (ws and wss only). */
  wsPath?: string;
  protocol: ProtocolVersion;
  username?: string;
  password?: string;
  cafile?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

/** Read when --username is given without --password, so the password stays off the command line. */
export const PASSWORD_ENV = 'MQTT_WORKBENCH_PASSWORD';

/**
 * Where Mosquitto (1883, 8883) and the workbench's own `broker` (WebSocket 8083) listen; wss takes the
 * port after ws, as EMQX does. Always passed to the profile: the named clients default to 80/443 for ws/wss.
 */
export const DEFAULT_PORTS: Readonly<Record<Transport, number>> = { tcp: 1883, tls: 8883, ws: 8083, wss: 8084 };
const SCHEMES: Readonly<Record<Transport, string>> = { tcp: 'mqtt', tls: 'mqtts', ws: 'ws', wss: 'wss' };
const DEFAULT_WS_PATH = '/mqtt';

export interface ClientFlagDefaults {
  protocol: ProtocolVersion;
  /** Why this default, shown in the help. */
  protocolWhy: string;
}

export function addClientFlags(command: Command, defaults: ClientFlagDefaults): Command {
  const ports = Object.entries(DEFAULT_PORTS).map(([transport, port]) => `${port} ${transport}`).join(', ');
  return command
    .option('--host <host>', 'broker host', '127.0.0.1')
    .option('--port <port>', `broker port (default: ${ports})`, integer(1, 65535))
    .option('--transport <transport>', 'tcp, tls (MQTT over TLS), ws (WebSocket) or wss (WebSocket over TLS)', oneOf(...TRANSPORTS), 'tcp')
    .option('--ws-path <path>', `WebSocket path, with --transport ws or wss (default: ${DEFAULT_WS_PATH})`, wsPath)
    .addOption(new Option('--protocol <version>', `MQTT version: 3.1.1 or 5 (${defaults.protocolWhy})`)
      .argParser(protocol).default(defaults.protocol, defaults.protocol === 5 ? '5' : '3.1.1'))
    .option('--username <name>', 'user name sent in CONNECT')
    .option('--password <password>', `password sent in CONNECT; other local users can see it in the process list: prefer the ${PASSWORD_ENV} environment variable (read when --username is given without --password)`)
    .option('--cafile <file>', 'PEM file of the CA (or self-signed certificate) that the broker\'s certificate must chain to, with tls or wss')
    .option('--cert <file>', 'PEM client certificate, with --key, for tls or wss')
    .option('--key <file>', 'PEM private key of --cert (unencrypted)')
    .option('--insecure', 'accept the broker\'s certificate without verifying it (self-signed, unknown CA, other host name), with tls or wss');
}

function protocol(value: string): ProtocolVersion {
  return oneOf('3.1.1', '5')(value) === '5' ? 5 : 4;
}

function wsPath(value: string): string {
  if (!value.startsWith('/')) throw new InvalidArgumentError(`expected a path starting with /, got "${value}"`);
  return value;
}

export interface ClientTarget {
  /** What the broker is reached at, as the named client's URL shows it: `mqtts://host:8883`. */
  url: string;
  /** The profile fields for clients.create (name, client id and the rest are the command's). */
  profile: Pick<ClientProfileInput, 'host' | 'port' | 'transport' | 'path' | 'protocolVersion' | 'username' | 'password' | 'tls'>;
}

/**
 * Checks the flags together and the TLS files (each problem is one line; the command exits 2), and
 * builds the profile fields. `env` supplies MQTT_WORKBENCH_PASSWORD.
 */
export function clientTarget(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): ClientTarget {
  const secure = flags.transport === 'tls' || flags.transport === 'wss';
  const web = flags.transport === 'ws' || flags.transport === 'wss';
  if (!secure) {
    const tlsFlag = [['--cafile', flags.cafile], ['--cert', flags.cert], ['--key', flags.key], ['--insecure', flags.insecure]]
      .find(([, value]) => value !== undefined && value !== false)?.[0];
    if (tlsFlag) throw new Error(`${tlsFlag} needs --transport tls or wss (the transport is ${flags.transport})`);
  }
  if (!web && flags.wsPath !== undefined) throw new Error(`--ws-path needs --transport ws or wss (the transport is ${flags.transport})`);
  if (flags.cert !== undefined && flags.key === undefined) throw new Error('--cert needs --key (the client certificate\'s private key)');
  if (flags.key !== undefined && flags.cert === undefined) throw new Error('--key needs --cert (the client certificate)');
  const password = flags.password ?? (flags.username !== undefined ? env[PASSWORD_ENV] : undefined);
  if (password !== undefined && flags.username === undefined && flags.protocol === 4) {
    throw new Error('--password needs --username with MQTT 3.1.1 (or use --protocol 5)');
  }
  const tls = secure ? {
    ...(flags.cafile !== undefined ? { caFile: readable(flags.cafile, 'CA file (--cafile)') } : {}),
    ...(flags.cert !== undefined ? { certFile: readable(flags.cert, 'client certificate (--cert)') } : {}),
    ...(flags.key !== undefined ? { keyFile: readable(flags.key, 'client key (--key)') } : {}),
    allowSelfSigned: flags.insecure ?? false,
  } : undefined;
  const port = flags.port ?? DEFAULT_PORTS[flags.transport];
  const path = web ? flags.wsPath ?? DEFAULT_WS_PATH : '';
  return {
    url: `${SCHEMES[flags.transport]}://${isIPv6(flags.host) ? `[${flags.host}]` : flags.host}:${port}${path}`,
    profile: {
      host: flags.host,
      port,
      transport: flags.transport,
      ...(web ? { path } : {}),
      protocolVersion: flags.protocol,
      ...(flags.username !== undefined ? { username: flags.username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls } : {}),
    },
  };
}

/** The absolute path of a file that exists and can be read; otherwise a one-line error naming it. */
function readable(file: string, what: string): string {
  const path = resolve(file);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new Error(`the ${what} ${path} does not exist`);
  if (!stat.isFile()) throw new Error(`the ${what} ${path} is not a file`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new Error(`the ${what} ${path} cannot be read (permission denied)`);
  }
  return path;
}

/**
 * A connection error in the CLI's words: the client's messages name the desktop app's controls
 * ("tick allow self-signed"), which are flags here.
 */
export function cliWording(message: string): string {
  return message
    .replace('tick allow self-signed to accept it', 'trust it with --cafile <file>, or accept it unverified with --insecure')
    .replace('set its CA file or tick allow self-signed', 'trust the CA with --cafile <file>, or accept it unverified with --insecure');
}
