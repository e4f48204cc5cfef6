// `mqtt-workbench broker`: the broker alone, headless, with optional durable state and auth files.
import { join } from 'node:path';
import { Command } from 'commander';
import { createBroker, type BrokerPersistence } from '../broker/index.js';
import { SqliteBrokerPersistence } from '../store/broker-persistence.js';
import { addBrokerFlags, brokerOptions, stopOnSignals, type BrokerFlags } from './broker-flags.js';

export function brokerCommand(): Command {
  return addBrokerFlags(
    new Command('broker').description('run the MQTT broker (3.1.1 and 5.0) on TCP and WebSocket'),
    'keep retained messages and persistent sessions in DIR/broker.db (default: in memory)',
  ).action(runBroker);
}

async function runBroker(flags: BrokerFlags): Promise<void> {
  const options = brokerOptions(flags);
  const persistence = flags.data ? openStore(flags.data, flags.resetCorruptDb === true) : undefined;
  const broker = createBroker({ ...options, ...(persistence ? { persistence } : {}) });
  let addresses;
  try {
    addresses = await broker.listen();
  } catch (error) {
    await broker.close();
    throw error;
  }
  // Before the "listening" lines: whoever reads them may send SIGINT at once.
  stopOnSignals(() => broker.close());
  console.log(`mqtt-workbench broker: state ${flags.data ? `in ${join(flags.data, 'broker.db')}` : 'in memory'}`);
  for (const a of addresses) console.log(`listening  ${a.protocol.padEnd(3)}  ${a.url}`);
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
