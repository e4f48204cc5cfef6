// What the renderer (and tests) talk to, whatever the transport, and the frames both transports carry.
import type { CommandName, InputOf, OutputOf } from './commands.js';
import type { WorkbenchErrorData } from './errors.js';
import type { EventBatch } from './events.js';

export interface WorkbenchClient {
  /** Runs one command; rejects with a WorkbenchError. */
  call<C extends CommandName>(cmd: C, input: InputOf<C>): Promise<OutputOf<C>>;
  /** Receives every event batch from now on; returns the unsubscribe function. */
  onEvents(listener: (batch: EventBatch) => void): () => void;
}

/** Request from a face's client to the core. */
export interface CallFrame {
  id: number;
  cmd: string;
  input: unknown;
}

/** The answer to one CallFrame. */
export type ResultFrame =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: WorkbenchErrorData };

/** Server → client push. */
export interface EventsFrame {
  events: EventBatch;
}
