// The real command line: `node bin/mqtt-workbench.js …` as a child process (needs `out/`, built by
// `npm test` / `npx tsc -p tsconfig.json`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run, start, type Child, type Exit, type RunResult } from './process.js';

export const CLI = fileURLToPath(new URL('../../bin/mqtt-workbench.js', import.meta.url));
export const CLI_ENTRY = fileURLToPath(new URL('../../out/main/cli/index.js', import.meta.url));

/** For beforeAll: a clear failure instead of a confusing one when the CLI is not built. */
export function assertCliBuilt(): void {
  if (!existsSync(CLI_ENTRY)) {
    throw new Error(`${CLI_ENTRY} is missing: these tests run the compiled CLI; run \`npx tsc -p tsconfig.json\` first (npm test does)`);
  }
}

/** Runs the CLI to completion (it must exit within `ms`). */
export function runCli(args: readonly string[], ms = 10_000): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], ms);
}

/** `listening  tcp  mqtt://127.0.0.1:1883` / `listening  ws   ws://127.0.0.1:8083/mqtt` */
export const TCP_LINE = /^listening {2}tcp {2}(mqtt:\/\/127\.0\.0\.1:(\d+))$/;
export const WS_LINE = /^listening {2}ws {3}(ws:\/\/127\.0\.0\.1:(\d+)(\/\S*))$/;

export interface CliBroker {
  child: Child;
  port: number;
  url: string;
  /** 0 / '' when started with --no-ws. */
  wsPort: number;
  wsUrl: string;
  /** Sends the signal and waits (with a timeout) for the exit. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<Exit>;
}

/**
 * Starts `mqtt-workbench broker --host 127.0.0.1 --port 0 --ws-port 0 --sys-interval 0 …extra` and
 * waits for its `listening` lines.
 */
export function startCliBroker(extra: readonly string[] = [], ms = 10_000): Promise<CliBroker> {
  return startCli(['broker', '--host', '127.0.0.1', '--port', '0', '--ws-port', '0', '--sys-interval', '0', ...extra], ms);
}

/**
 * Starts the CLI with exactly these arguments and waits for the `listening` lines (no ws line with
 * --no-ws). Rejects, with the program's output, if it exits first or does not listen in time.
 */
export async function startCli(args: readonly string[], ms = 10_000): Promise<CliBroker> {
  const child = start(process.execPath, [CLI, ...args]);
  try {
    const tcp = await child.waitForLine(TCP_LINE, ms, 'the "listening  tcp" line');
    const ws = args.includes('--no-ws') ? undefined : await child.waitForLine(WS_LINE, ms, 'the "listening  ws" line');
    return {
      child,
      port: Number(tcp[2]),
      url: tcp[1],
      wsPort: ws ? Number(ws[2]) : 0,
      wsUrl: ws ? ws[1] : '',
      async stop(signal: NodeJS.Signals = 'SIGTERM', stopMs = 10_000) {
        child.kill(signal);
        return child.waitForExit(stopMs);
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Non-empty lines of some output. */
export function nonEmptyLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}
