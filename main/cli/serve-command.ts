// `mqtt-workbench serve`: the whole workbench headless (broker, named clients, store), its UI and API
// served to a browser — for a Raspberry Pi without a screen, and for the browser tests.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { addBrokerFlags, brokerOptions, stopOnSignals, type BrokerFlags } from './broker-flags.js';
import { integer, port } from './options.js';

interface ServeFlags extends BrokerFlags {
  uiHost?: string;
  uiPort: number;
  token?: string;
  trafficPayloadCap: number;
  trafficBudget?: number;
}

/** Where the renderer's build lands (out/renderer next to out/main). */
const RENDERER_DIR = fileURLToPath(new URL('../../renderer', import.meta.url));

export function serveCommand(): Command {
  return addBrokerFlags(
    new Command('serve')
      .description('run broker, named clients and store headless, and serve the UI and its API over HTTP/WebSocket')
      .option('--ui-host <address>', 'address the UI and API listen on (default: --host); anything but loopback requires a token')
      .option('--ui-port <port>', 'port of the UI and API (0 picks a free one)', port, 8080)
      .option('--token <token>', 'the token browsers must present off loopback (default: a random one, printed)')
      .option('--traffic-payload-cap <bytes>', 'payload bytes the traffic log keeps per packet (the size is always kept)', integer(0, 268_435_456), 256 * 1024)
      .option('--traffic-budget <MiB>', 'space the traffic log may use, oldest packets go first (default: 512 with --data, 64 in memory)', integer(1, 1_048_576)),
    'keep broker state, client profiles and the traffic log in DIR (default: in memory)',
  ).action(runServe);
}

async function runServe(flags: ServeFlags): Promise<void> {
  // Loaded here, so `broker` and `--help` do not pay for the workbench, mqtt.js and the UI server.
  const { Workbench } = await import('../workbench/workbench.js');
  const { startWebSocketFace, tokenFor } = await import('../transport/websocket.js');
  const workbench = await Workbench.start({
    broker: brokerOptions(flags),
    dataDir: flags.data ?? null,
    trafficLog: { payloadCapBytes: flags.trafficPayloadCap, budgetBytes: (flags.trafficBudget ?? (flags.data ? 512 : 64)) * 1024 * 1024 },
    onCorrupt: flags.resetCorruptDb ? 'move-aside' : 'fail',
    onMovedAside: (keptAs) => console.error(`a database was corrupt; it is kept as ${keptAs} and starts empty`),
  });
  const uiHost = flags.uiHost ?? flags.host;
  let face;
  try {
    face = await startWebSocketFace(workbench, {
      host: uiHost,
      port: flags.uiPort,
      token: tokenFor(uiHost, flags.token),
      staticDir: existsSync(RENDERER_DIR) ? RENDERER_DIR : null,
    });
  } catch (error) {
    await workbench.close();
    throw uiListenError(error as NodeJS.ErrnoException, uiHost, flags.uiPort);
  }
  // Before the "listening" lines: whoever reads them may send SIGINT at once.
  stopOnSignals(async () => {
    await face.close();
    await workbench.close();
  });
  console.log(`mqtt-workbench serve: state ${flags.data ? `in ${flags.data}` : 'in memory'}; ${workbench.keyProvider.describe}`);
  for (const a of workbench.broker.addresses) console.log(`listening  ${a.protocol.padEnd(3)}  ${a.url}`);
  console.log(`listening  ui   ${face.url}`);
}

function uiListenError(error: NodeJS.ErrnoException, host: string, uiPort: number): Error {
  if (error.code === 'EADDRINUSE') return new Error(`UI port ${uiPort} on ${host} is already in use; choose another with --ui-port`);
  if (error.code === 'EADDRNOTAVAIL') return new Error(`UI address ${host} is not an address of this machine`);
  return error;
}
