// Python Paho (Debian's python3-paho-mqtt 1.6.1, installed only for /usr/bin/python3) as a test peer.
// The scripts live in test/broker/paho/ and print one JSON object per line ({"event": ...}).
import { fileURLToPath } from 'node:url';
import { start, type Child, type Exit } from './process.js';

export const PYTHON = '/usr/bin/python3';

export interface PahoEvent {
  event: string;
  [field: string]: unknown;
}

export interface PahoMessage extends PahoEvent {
  event: 'message';
  topic: string;
  payload: string;
  qos: number;
  retain: number;
  dup: number;
  user_properties: Array<[string, string]>;
}

export function pahoScript(name: string): string {
  return fileURLToPath(new URL(`../broker/paho/${name}`, import.meta.url));
}

/** A running Paho script with its stdout parsed as JSON events. */
export class PahoPeer {
  constructor(readonly child: Child) {}

  get events(): PahoEvent[] {
    const events: PahoEvent[] = [];
    for (const line of this.child.lines) {
      try {
        events.push(JSON.parse(line) as PahoEvent);
      } catch {
        events.push({ event: 'unparsed', line });
      }
    }
    return events;
  }

  get messages(): PahoMessage[] {
    return this.events.filter((e): e is PahoMessage => e.event === 'message');
  }

  event(name: string): PahoEvent | undefined {
    return this.events.find((e) => e.event === name);
  }

  /** Waits for the first event with this name; fails early if the script exits first. */
  waitForEvent(name: string, ms = 10_000): Promise<PahoEvent> {
    return this.child.waitFor(() => this.event(name), ms, `Paho event "${name}"`);
  }

  /** Waits for the script to exit; the events are complete then. */
  async finished(ms = 15_000): Promise<Exit & { events: PahoEvent[] }> {
    const exit = await this.child.waitForExit(ms);
    return { ...exit, events: this.events };
  }

  /** Stdout and stderr, for assertion messages. */
  describe(): string {
    return this.child.describe();
  }
}

/**
 * Starts a script: `/usr/bin/python3 test/broker/paho/<script> --port <port> …args`. The script has
 * its own --timeout (default 10 s, exit 3), and callers wait for it with a timeout as well.
 */
export function startPaho(script: string, port: number, args: readonly string[] = []): PahoPeer {
  return new PahoPeer(start(PYTHON, [pahoScript(script), '--host', '127.0.0.1', '--port', String(port), ...args]));
}

/** Runs a script to completion and expects exit code 0. */
export async function runPaho(script: string, port: number, args: readonly string[] = [], ms = 15_000): Promise<PahoEvent[]> {
  const peer = startPaho(script, port, args);
  try {
    const { code, events } = await peer.finished(ms);
    if (code !== 0) throw new Error(`${script} exited with ${code}\n${peer.describe()}`);
    return events;
  } finally {
    peer.child.kill('SIGKILL');
  }
}
