// `mqtt-workbench record`: records an outside broker headless (a Raspberry Pi on site) through a named
// client subscribed to a filter, until SIGINT/SIGTERM; the recording stays in --data and/or goes to --out.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import type { RecordingInfo } from '../../shared/contract/recordings.js';
import { addClientFlags, clientTarget, cliWording, type ClientFlags } from './client-flags.js';
import { EXIT_FAILED, failAndExit, headlessWorkbench } from './headless.js';
import { integer, qosLevel, topicFilter } from './options.js';

interface RecordFlags extends ClientFlags {
  name: string;
  notes?: string;
  filter: string;
  qos: 0 | 1 | 2;
  data?: string;
  out?: string;
  minFree: number;
}

const PROGRESS_MS = 1000;
const CLIENT_NAME = 'recorder';

export function recordCommand(): Command {
  const command = new Command('record')
    .description('record an MQTT broker through a client subscribed to a filter, until Ctrl-C (SIGINT) or SIGTERM')
    .requiredOption('--name <name>', 'name of the recording')
    .option('--notes <text>', 'notes kept with the recording');
  return addClientFlags(command, { protocol: 4, protocolWhy: 'every broker speaks 3.1.1' })
    .option('--filter <filter>', 'topic filter to subscribe to', topicFilter, '#')
    .option('--qos <qos>', 'QoS of the subscription: 0, 1 or 2', qosLevel, 0)
    .option('--data <dir>', 'keep the recording (and the workbench state) in DIR/recordings/ (default: in memory)')
    .option('--min-free <MiB>', 'stop (or do not start) when less than this is free on the disk the recording is on', integer(1, 1_073_741_824), 256)
    .option('--out <file>', 'write the recording to this .mqttrec file when it stops (default without --data: ./<name>.mqttrec)')
    .action(runRecord);
}

async function runRecord(flags: RecordFlags): Promise<void> {
  const target = clientTarget(flags);
  const out = outFile(flags);
  const workbench = await headlessWorkbench(flags.data ?? null, { recordingMinFreeBytes: flags.minFree * 1024 * 1024 });
  const fail = (message: string) => failAndExit(workbench, message);
  let info: RecordingInfo;
  try {
    await workbench.call('clients.create', { name: CLIENT_NAME, clientId: '', ...target.profile, autoReconnect: true });
    // The recording connects the client itself, so its CONNECT and CONNACK are in the file.
    info = await workbench.call('recording.start', {
      name: flags.name, notes: flags.notes ?? '', client: CLIENT_NAME, filter: flags.filter, qos: flags.qos,
    });
  } catch (error) {
    // Its state tells whether connecting failed or something before or after it (no room on the disk, a refused subscription).
    const [client] = await workbench.call('clients.list', {});
    const connecting = client !== undefined && client.state !== 'connected' && client.state !== 'disconnected';
    const reason = cliWording((error as Error).message);
    return fail(connecting ? `cannot connect to ${target.url}: ${reason}` : `cannot record: ${reason}`);
  }
  let progress: NodeJS.Timeout | undefined;
  let stopping = false;
  /** Writes --out and says where the recording is; exits with `code`. */
  const finish = async (done: RecordingInfo, code: number) => {
    try {
      if (out) await workbench.call('recording.export', { id: done.id, path: out });
      const where = [flags.data ? `${flags.data}/recordings/${done.id}.mqttrec` : null, out].filter(Boolean).join(' and ');
      console.log(`recorded   ${done.packets} packets to ${where}`);
      await workbench.close();
      process.exit(code);
    } catch (error) {
      await fail(`could not finish the recording: ${(error as Error).message}`);
    }
  };
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(progress);
    console.error(`${signal}: stopping`);
    try {
      await finish(await workbench.call('recording.stop', {}), 0);
    } catch (error) {
      await fail(`could not finish the recording: ${(error as Error).message}`);
    }
  };
  // Before the line that says it runs: a signal without a listener would kill the process, file unwritten.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  console.log(`recording  "${info.name}" from ${info.source}, filter ${flags.filter}; Ctrl-C stops`);
  progress = setInterval(() => {
    void workbench.call('recording.list', {}).then((list) => {
      const now = list.find((r) => r.id === info.id);
      if (!now || stopping) return;
      if (now.recording) {
        console.error(`recording "${now.name}": ${now.packets} packets, ${size(now.bytes)}`);
        return;
      }
      // It stopped by itself (the disk ran low; the workbench said why on stderr): keep what it holds.
      stopping = true;
      clearInterval(progress);
      void finish(now, EXIT_FAILED);
    });
  }, PROGRESS_MS);
}

/**
 * Where --out writes (absolute), checked before anything connects: a wrong path should fail now, not
 * after hours of recording. Without --data the recording would vanish at exit, so --out gets a default.
 */
function outFile(flags: RecordFlags): string | null {
  const wanted = flags.out ?? (flags.data ? null : `${flags.name.replace(/[^A-Za-z0-9_-]+/g, '-')}.mqttrec`);
  if (wanted === null) return null;
  const path = resolve(wanted);
  if (existsSync(path)) throw new Error(`${path} already exists; choose another --out or remove it`);
  if (!statSync(dirname(path), { throwIfNoEntry: false })?.isDirectory()) throw new Error(`the folder of ${path} does not exist`);
  return path;
}

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
