// The broker's flags, shared by `broker` and `serve`: definitions, and flags → BrokerOptions.
import type { Command } from 'commander';
import {
  AclFile, createAuth, defaultLimits, PasswordFile, type AnonymousPolicy, type BrokerOptions,
} from '../broker/index.js';
import { RESET_CORRUPT_DB_OPTION } from '../store/db.js';
import { integer, oneOf, port } from './options.js';

export interface BrokerFlags {
  host: string;
  port: number;
  ws: boolean;
  wsPort: number;
  wsPath: string;
  data?: string;
  resetCorruptDb?: boolean;
  passwordFile?: string;
  aclFile?: string;
  allowAnonymous?: AnonymousPolicy;
  maxPacketSize: number;
  maxConnections: number;
  maxKeepalive: number;
  maxInflight: number;
  maxQueued: number;
  connectTimeout: number;
  sysInterval: number;
}

export function addBrokerFlags(command: Command, dataHelp: string): Command {
  return command
    .option('--host <address>', 'address the broker listens on (both listeners)', '127.0.0.1')
    .option('--port <port>', 'MQTT over TCP port (0 picks a free one)', port, 1883)
    .option('--ws-port <port>', 'MQTT over WebSocket port (0 picks a free one)', port, 8083)
    .option('--ws-path <path>', 'WebSocket path', '/mqtt')
    .option('--no-ws', 'no MQTT over WebSocket listener')
    .option('--data <dir>', dataHelp)
    .option(RESET_CORRUPT_DB_OPTION, 'if a database is corrupt, keep it aside as <name>.corrupt-<time> and start empty')
    .option('--password-file <file>', 'Mosquitto password file (mosquitto_passwd format)')
    .option('--acl-file <file>', 'Mosquitto ACL file (acl_file format)')
    .option('--allow-anonymous <policy>', 'clients without credentials: always, never, loopback (default: loopback; never with a password file)',
      oneOf<AnonymousPolicy>('always', 'never', 'loopback'))
    .option('--max-packet-size <bytes>', 'largest packet accepted', integer(64, 268_435_460), defaultLimits.maxPacketSize)
    .option('--max-connections <n>', 'most clients connected at once', integer(1, 10_000_000), defaultLimits.maxConnections)
    .option('--max-keepalive <seconds>', 'largest keep-alive accepted', integer(1, 65_535), defaultLimits.maxKeepAlive)
    .option('--max-inflight <n>', 'outgoing QoS 1/2 messages in flight per client', integer(1, 65_535), defaultLimits.maxInflight)
    .option('--max-queued <n>', 'QoS 1/2 messages queued per client beyond those in flight', integer(0, 10_000_000), defaultLimits.maxQueuedMessages)
    .option('--connect-timeout <seconds>', 'close sockets that send no CONNECT within this time', integer(1, 3600), defaultLimits.connectTimeoutMs / 1000)
    .option('--sys-interval <seconds>', 'seconds between $SYS/broker updates (0: off)', integer(0, 86_400), 10);
}

/** Reads the auth files (so a bad one fails before anything listens) and builds the broker's options. */
export function brokerOptions(flags: BrokerFlags): Omit<BrokerOptions, 'persistence'> {
  const auth = createAuth({
    ...(flags.passwordFile ? { passwordFile: PasswordFile.load(flags.passwordFile) } : {}),
    ...(flags.aclFile ? { aclFile: AclFile.load(flags.aclFile) } : {}),
    ...(flags.allowAnonymous ? { allowAnonymous: flags.allowAnonymous } : {}),
  });
  return {
    tcp: { host: flags.host, port: flags.port },
    ws: flags.ws ? { host: flags.host, port: flags.wsPort, path: flags.wsPath } : false,
    auth,
    sysInterval: flags.sysInterval,
    limits: {
      maxPacketSize: flags.maxPacketSize,
      maxConnections: flags.maxConnections,
      maxKeepAlive: flags.maxKeepalive,
      maxInflight: flags.maxInflight,
      maxQueuedMessages: flags.maxQueued,
      connectTimeoutMs: flags.connectTimeout * 1000,
    },
  };
}

/** Stops cleanly on SIGINT/SIGTERM (state flushed), once. */
export function stopOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    close().then(() => process.exit(0), (error: Error) => {
      console.error(`error while stopping: ${error.message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
