// Child processes for tests: spawn real programs, read their output line by line, and wait for
// lines or for the exit, always with a timeout. Every child is tracked so a suite can kill the
// ones still running in afterAll (killChildren).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { withTimeout } from './broker.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
}

const running = new Set<Child>();

/** A spawned program whose stdout is kept as lines and stderr as text. */
export class Child {
  readonly lines: string[] = [];
  stderr = '';
  exit: Exit | null = null;
  readonly exited: Promise<Exit>;
  private waiters: Array<() => void> = [];

  constructor(readonly process: ChildProcess, readonly name: string) {
    running.add(this);
    createInterface({ input: process.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.wake();
    });
    process.stderr!.setEncoding('utf8');
    process.stderr!.on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise<Exit>((resolve) => {
      // 'close' comes after stdout and stderr are drained, so the output is complete then.
      process.on('close', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.wake();
        resolve(this.exit);
      });
      process.on('error', (error) => {
        this.stderr += `spawn error: ${error.message}\n`;
        this.exit ??= { code: null, signal: null };
        running.delete(this);
        this.wake();
        resolve(this.exit);
      });
    });
  }

  get stdout(): string {
    return this.lines.join('\n');
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** What the program said so far, for error messages. */
  describe(): string {
    return `${this.name}\n--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  /** Waits for the first stdout line (seen before or later) matching the pattern. */
  waitForLine(pattern: RegExp, ms: number, what = String(pattern)): Promise<RegExpExecArray> {
    return this.waitFor(() => {
      for (const line of this.lines) {
        const match = pattern.exec(line);
        if (match) return match;
      }
      return undefined;
    }, ms, what);
  }

  /** Waits until `check` returns something other than undefined; fails early if the program exits first. */
  waitFor<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== attempt);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}\n${this.describe()}`));
      }, ms);
      const attempt = () => {
        const value = check();
        if (value !== undefined) {
          clearTimeout(timer);
          return resolve(value);
        }
        if (this.exit) {
          clearTimeout(timer);
          return reject(new Error(`${what}: the program exited (${JSON.stringify(this.exit)}) first\n${this.describe()}`));
        }
        this.waiters.push(attempt);
      };
      attempt();
    });
  }

  /** Waits for the program to exit. */
  waitForExit(ms: number): Promise<Exit> {
    return new Promise<Exit>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${this.name} to exit\n${this.describe()}`)), ms);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.exit) this.process.kill(signal);
  }
}

/** Spawns `command args` with stdin closed and stdout/stderr piped. */
export function start(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Child(child, [command, ...args].join(' '));
}

/** Runs a program to completion; kills it (SIGKILL) and rejects if it takes longer than `ms`. */
export async function run(command: string, args: readonly string[], ms: number, options: SpawnOptions = {}): Promise<RunResult> {
  const child = start(command, args, options);
  try {
    const exit = await child.waitForExit(ms);
    return { ...exit, stdout: child.stdout, stderr: child.stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

/** Kills every child still running (for afterAll) and waits for them to be gone. */
export async function killChildren(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map((c) => withTimeout(c.exited, 5000, `${c.name} to die`).catch(() => undefined)));
}
