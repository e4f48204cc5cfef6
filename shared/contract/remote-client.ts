// A WorkbenchClient for the far side of any message channel (WebSocket, Electron IPC, a test pipe): it
// numbers calls, matches answers to them, and hands event batches to listeners. The transport only
// moves frames.
import type { CallFrame, EventsFrame, ResultFrame, WorkbenchClient } from './client.js';
import type { CommandName, InputOf, OutputOf } from './commands.js';
import { WorkbenchError } from './errors.js';
import type { EventBatch } from './events.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: WorkbenchError): void;
}

export class RemoteWorkbenchClient implements WorkbenchClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(batch: EventBatch) => void>();

  /** `send` delivers one call frame to the core; it may throw when the channel is closed. */
  constructor(private readonly send: (frame: CallFrame) => void) {}

  call<C extends CommandName>(cmd: C, input: InputOf<C>): Promise<OutputOf<C>> {
    const id = this.nextId++;
    return new Promise<OutputOf<C>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.send({ id, cmd, input });
      } catch (error) {
        this.pending.delete(id);
        reject(new WorkbenchError('internal', `could not send ${cmd}: ${error instanceof Error ? error.message : String(error)}`));
      }
    });
  }

  onEvents(listener: (batch: EventBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Feed every frame the core sends here. */
  receive(frame: ResultFrame | EventsFrame): void {
    if ('events' in frame) {
      for (const listener of this.listeners) listener(frame.events);
      return;
    }
    const pending = this.pending.get(frame.id);
    if (!pending) return;
    this.pending.delete(frame.id);
    if (frame.ok) pending.resolve(frame.result);
    else pending.reject(WorkbenchError.from(frame.error));
  }

  /** The channel is gone: every open call fails with this reason. */
  disconnected(reason: string): void {
    for (const pending of this.pending.values()) pending.reject(new WorkbenchError('internal', reason));
    this.pending.clear();
  }
}
