// The server side of the frame protocol, shared by every transport: a call frame in, a result frame out.
import type { CallFrame, ResultFrame, WorkbenchClient } from '../../shared/contract/client.js';
import type { CommandName, InputOf } from '../../shared/contract/commands.js';
import { WorkbenchError } from '../../shared/contract/errors.js';

/** Checks the frame's shape (it came from outside) and runs it; never throws. */
export async function answer(core: WorkbenchClient, frame: unknown): Promise<ResultFrame | null> {
  if (!isCallFrame(frame)) return null;
  try {
    const result = await core.call(frame.cmd as CommandName, frame.input as InputOf<CommandName>);
    return { id: frame.id, ok: true, result };
  } catch (error) {
    const e = error instanceof WorkbenchError ? error : new WorkbenchError('internal', String(error));
    return { id: frame.id, ok: false, error: e.toJSON() };
  }
}

/** The id of something that looks like a call frame, for answering it with a refusal; else -1. */
export function frameId(frame: unknown): number {
  const id = (frame as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : -1;
}

function isCallFrame(frame: unknown): frame is CallFrame {
  if (typeof frame !== 'object' || frame === null) return false;
  const f = frame as Record<string, unknown>;
  return Number.isSafeInteger(f.id) && typeof f.cmd === 'string';
}
