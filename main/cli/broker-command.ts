// `mqtt-workbench broker`: the broker alone, headless, with optional durable state and auth files.
import { join } from 'node:path';
import { Command } from 'commander';
import {
  AclFile, createAuth, createBroker, defaultLimits, PasswordFile, type AnonymousPolicy, type BrokerPersistence,
} from '../broker/index.js';
import { SqliteBrokerPersistence } from '../store/broker-persistence.js';
import { RESET_CORRUPT_DB_OPTION } from '../store/db.js';
import { integer, oneOf, port } from './options.js';

interface BrokerFlags {
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

export function brokerCommand(): Command {
  return new Command('broker')
    .description('run the MQTT broker (3.1.1 and 5.0) on TCP and WebSocket')
    .option('--host <address>', 'address to listen on (both listeners)', '127.0.0.1')
    .option('--port <port>', 'MQTT over TCP port (0 picks a free one)', port, 1883)
    .option('--ws-port <port>', 'MQTT over WebSocket port (0 picks a free one)', port, 8083)
    .option('--ws-path <path>', 'WebSocket path', '/mqtt')
    .option('--no-ws', 'no WebSocket listener')
    .option('--data <dir>', 'keep retained messages and persistent sessions in DIR/broker.db (default: in memory)')
    .option(RESET_CORRUPT_DB_OPTION, 'if the database is corrupt, keep it aside as broker.db.corrupt-<time> and start empty')
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
    .option('--sys-interval <seconds>', 'seconds between $SYS/broker updates (0: off)', integer(0, 86_400), 10)
    .action(runBroker);
}

async function runBroker(flags: BrokerFlags): Promise<void> {
  // Read every file before listening, so a bad file fails fast with nothing started.
  const auth = createAuth({
    ...(flags.passwordFile ? { passwordFile: PasswordFile.load(flags.passwordFile) } : {}),
    ...(flags.aclFile ? { aclFile: AclFile.load(flags.aclFile) } : {}),
    ...(flags.allowAnonymous ? { allowAnonymous: flags.allowAnonymous } : {}),
  });
  const persistence = flags.data ? openStore(flags.data, flags.resetCorruptDb === true) : undefined;
  const broker = createBroker({
    tcp: { host: flags.host, port: flags.port },
    ws: flags.ws ? { host: flags.host, port: flags.wsPort, path: flags.wsPath } : false,
    auth,
    ...(persistence ? { persistence } : {}),
    sysInterval: flags.sysInterval,
    limits: {
      maxPacketSize: flags.maxPacketSize,
      maxConnections: flags.maxConnections,
      maxKeepAlive: flags.maxKeepalive,
      maxInflight: flags.maxInflight,
      maxQueuedMessages: flags.maxQueued,
      connectTimeoutMs: flags.connectTimeout * 1000,
    },
  });
  let addresses;
  try {
    addresses = await broker.listen();
  } catch (error) {
    await broker.close();
    throw error;
  }
  console.log(`mqtt-workbench broker: state ${flags.data ? `in ${join(flags.data, 'broker.db')}` : 'in memory'}`);
  for (const a of addresses) console.log(`listening  ${a.protocol.padEnd(3)}  ${a.url}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    broker.close().then(() => process.exit(0), (error: Error) => {
      console.error(`error while stopping: ${error.message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function openStore(dir: string, moveAsideIfCorrupt: boolean): BrokerPersistence {
  return SqliteBrokerPersistence.open(join(dir, 'broker.db'), {
    onCorrupt: moveAsideIfCorrupt ? 'move-aside' : 'fail',
    onMovedAside: (keptAs) => console.error(`the database was corrupt; it is kept as ${keptAs} and the broker starts empty`),
    // The store cannot keep its promise any more (e.g. disk full): stop rather than acknowledge what it cannot keep.
    onError: (error) => {
      console.error(`mqtt-workbench: ${error.message}`);
      process.exit(1);
    },
  });
}
