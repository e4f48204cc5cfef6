// Starts the workbench core for the desktop app. A taken port or a corrupt database is a question to
// the user (another port? start empty?), never a crash; anything else is said in an error box.
import { join } from 'node:path';
import { dialog } from 'electron';
import { StoreError } from '../store/errors.js';
import type { KeyProvider } from '../store/secrets.js';
import { findPortConflicts, portConflictMessage, type PortConflict, type WantedPort } from '../workbench/port-choice.js';
import { loadPorts, savePorts } from '../workbench/saved-ports.js';
import { Workbench } from '../workbench/workbench.js';

const HOST = '127.0.0.1';
const TCP = 'MQTT over TCP';
const WS = 'MQTT over WebSocket';
/** Rounds of "probe, ask, start" before giving up (each round is the user's answer or a lost race). */
const MAX_ROUNDS = 5;

export async function startCore(dataDir: string, keyProvider: KeyProvider): Promise<Workbench | null> {
  // The ports of the last start (1883 and 8083 the first time), so a port chosen once stays chosen.
  const portsFile = join(dataDir, 'ports.json');
  const saved = loadPorts(portsFile);
  const ports: WantedPort[] = [{ what: TCP, port: saved.tcp }, { what: WS, port: saved.ws }];
  let onCorrupt: 'fail' | 'move-aside' = 'fail';
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const conflicts = await findPortConflicts(HOST, ports);
    let retry = false;
    for (const conflict of conflicts) {
      const answer = await askAboutPort(conflict);
      if (answer === 'quit') return null;
      if (answer === 'retry') retry = true;
      else ports.find((p) => p.what === conflict.what)!.port = answer;
    }
    if (retry) continue;
    try {
      const workbench = await Workbench.start({
        broker: {
          tcp: { host: HOST, port: portOf(ports, TCP) },
          ws: { host: HOST, port: portOf(ports, WS), path: '/mqtt' },
          sysInterval: 10,
        },
        dataDir,
        keyProvider,
        onCorrupt,
        onMovedAside: (keptAs) => console.error(`mqtt-workbench: a database was corrupt; it is kept as ${keptAs}`),
      });
      const used = { tcp: portOf(ports, TCP), ws: portOf(ports, WS) };
      if (used.tcp !== saved.tcp || used.ws !== saved.ws) {
        try {
          savePorts(portsFile, used);
        } catch (error) {
          console.error(`mqtt-workbench: cannot remember the broker's ports in ${portsFile}: ${(error as Error).message}`);
        }
      }
      return workbench;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Taken between the probe and the listen (another program was quicker): probe and ask again.
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
      if (error instanceof StoreError && error.code === 'corrupt' && onCorrupt === 'fail' && await askToStartEmpty(error)) {
        onCorrupt = 'move-aside';
        continue;
      }
      dialog.showErrorBox('MQTT Workbench cannot start', message);
      return null;
    }
  }
  dialog.showErrorBox('MQTT Workbench cannot start', 'The broker\'s ports kept being taken by other programs; close them and start again.');
  return null;
}

const portOf = (ports: WantedPort[], what: string) => ports.find((p) => p.what === what)!.port;

async function askAboutPort(conflict: PortConflict): Promise<number | 'retry' | 'quit'> {
  const { title, detail } = portConflictMessage(HOST, conflict);
  const buttons = [...(conflict.suggestion === null ? [] : [`Use port ${conflict.suggestion}`]), 'Try again', 'Quit'];
  const { response } = await dialog.showMessageBox({ type: 'warning', title: 'MQTT Workbench', message: title, detail, buttons, defaultId: 0, cancelId: buttons.length - 1, noLink: true });
  const choice = buttons[response];
  if (choice === 'Quit') return 'quit';
  if (choice === 'Try again' || conflict.suggestion === null) return 'retry';
  return conflict.suggestion;
}

async function askToStartEmpty(error: StoreError): Promise<boolean> {
  const buttons = ['Keep it aside and start empty', 'Quit'];
  const { response } = await dialog.showMessageBox({
    type: 'error', title: 'MQTT Workbench', message: 'A database is damaged', detail: error.message, buttons, defaultId: 1, cancelId: 1, noLink: true,
  });
  return response === 0;
}
