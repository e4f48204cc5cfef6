// `mqtt-workbench replay FILE`: publishes a recording's messages again into any broker (headless), at the
// recorded pace times --speed, with progress on stderr; Ctrl-C (SIGINT) or SIGTERM stops it.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { ReplaySpeed, ReplayStatus } from '../../shared/contract/recordings.js';
import { addClientFlags, clientTarget, cliWording, type ClientFlags } from './client-flags.js';
import { failAndExit, headlessWorkbench } from './headless.js';
import { topicFilter } from './options.js';

interface ReplayFlags extends ClientFlags {
  speed: ReplaySpeed;
  topic?: string;
  retainedFirst: boolean;
}

const PROGRESS_MS = 1000;
const CLIENT_NAME = 'replayer';

export function replayCommand(): Command {
  const command = new Command('replay')
    .description('publish the messages of a .mqttrec recording again into a broker, in order, at the recorded pace')
    .argument('<file>', 'the .mqttrec file');
  return addClientFlags(command, { protocol: 5, protocolWhy: 'with 3.1.1 the messages go out without their MQTT 5 properties' })
    .option('--speed <x>', "0.1 to 100 times the recorded pace, or 'max'", speed, 1 as ReplaySpeed)
    .option('--topic <filter>', 'only messages on topics matching this filter', topicFilter)
    .option('--retained-first', 'first publish the retained messages the broker held when the recording started', false)
    .action(runReplay);
}

async function runReplay(file: string, flags: ReplayFlags): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const target = clientTarget(flags);
  const workbench = await headlessWorkbench();
  const fail = (message: string) => failAndExit(workbench, message);
  let id: string;
  try {
    id = (await workbench.call('recording.import', { path })).id;
  } catch (error) {
    await workbench.close();
    throw error; // a file that is not a recording is a usage error
  }
  try {
    await workbench.call('clients.create', { name: CLIENT_NAME, clientId: '', ...target.profile });
    await workbench.call('clients.connect', { name: CLIENT_NAME });
  } catch (error) {
    return fail(`cannot connect to ${target.url}: ${cliWording((error as Error).message)}`);
  }
  // The replay's progress arrives as events: the latest is printed every second, the last one ends it.
  let latest: ReplayStatus | null = null;
  const ended = new Promise<ReplayStatus>((resolveEnd) => {
    workbench.onEvents((batch) => {
      for (const e of batch.events) {
        if (e.type !== 'replay') continue;
        latest = e.replay;
        if (e.replay.state === 'done' || e.replay.state === 'stopped') resolveEnd(e.replay);
      }
    });
  });
  const stop = () => void workbench.call('replay.control', { action: 'stop' }).catch(() => {});
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await workbench.call('replay.start', {
      id, client: CLIENT_NAME, speed: flags.speed, retainedFirst: flags.retainedFirst, ...(flags.topic ? { topic: flags.topic } : {}),
    });
  } catch (error) {
    return fail(`cannot replay: ${(error as Error).message}`);
  }
  console.log(`replaying  ${path} into ${target.url} at ${flags.speed === 'max' ? 'full speed' : `${flags.speed}×`}; Ctrl-C stops`);
  const progress = setInterval(() => {
    if (latest) console.error(`replay: ${latest.published} messages published`);
  }, PROGRESS_MS);
  const last = await ended;
  clearInterval(progress);
  console.log(`replayed   ${last.published} messages${last.retainedPublished ? ` (and ${last.retainedPublished} retained first)` : ''}; ${last.state}`);
  if (last.error) return fail(`the replay stopped: ${last.error}`);
  await workbench.close();
  process.exit(0);
}

function speed(value: string): ReplaySpeed {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.1 || n > 100) throw new InvalidArgumentError(`expected 0.1 to 100 or "max", got "${value}"`);
  return n;
}
