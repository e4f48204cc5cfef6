// The contract over Electron IPC, without importing Electron: main/electron/ passes objects of these
// shapes (ipcMain and the window's webContents). Two channels: calls (invoke) and event batches.
import type { WorkbenchClient } from '../../shared/contract/client.js';
import { answer, frameId } from './frames.js';

export const CALL_CHANNEL = 'workbench:call';
export const EVENTS_CHANNEL = 'workbench:events';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, frame: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcEventLike {
  senderFrame?: { url: string } | null;
}

export interface EventSink {
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
}

/**
 * Serves calls from frames that `isTrustedSender` accepts (the Electron face checks the URL is the
 * app's own) and pushes event batches to `sink`. Returns a function that undoes it.
 */
export function serveOverIpc(
  core: WorkbenchClient, ipc: IpcMainLike, sink: EventSink, isTrustedSender: (event: IpcEventLike) => boolean,
): () => void {
  ipc.handle(CALL_CHANNEL, async (event, frame) => {
    if (!isTrustedSender(event)) {
      return { id: frameId(frame), ok: false, error: { code: 'forbidden', message: 'calls are only taken from the app\'s own pages' } };
    }
    return (await answer(core, frame)) ?? { id: frameId(frame), ok: false, error: { code: 'invalid-input', message: 'expected a call frame {id, cmd, input}' } };
  });
  const stopEvents = core.onEvents((batch) => {
    if (!sink.isDestroyed()) sink.send(EVENTS_CHANNEL, batch);
  });
  return () => {
    ipc.removeHandler(CALL_CHANNEL);
    stopEvents();
  };
}
