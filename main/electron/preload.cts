// The preload of the sandboxed window: exposes window.workbench = { call, onEvents } and nothing else.
// CommonJS and self-contained, as sandboxed preloads must be: it can require 'electron' only, so the
// two channel names are written here and a test holds them equal to main/transport/ipc.ts.
import type { IpcRendererEvent } from 'electron';
import type { CallFrame, ResultFrame } from '../../shared/contract/client.js';
import type { EventBatch } from '../../shared/contract/events.js';

const { contextBridge, ipcRenderer } = require('electron') as typeof import('electron');

/** The only channels the page can reach: calls (invoke) and event batches (from main). */
const CHANNELS = Object.freeze({ call: 'workbench:call', events: 'workbench:events' });

contextBridge.exposeInMainWorld('workbench', {
  call: (frame: CallFrame): Promise<ResultFrame> => ipcRenderer.invoke(CHANNELS.call, frame),
  onEvents(listener: (batch: EventBatch) => void): () => void {
    // The page gets the batch only, never the IpcRendererEvent (it holds ipcRenderer itself).
    const forward = (_event: IpcRendererEvent, batch: EventBatch) => listener(batch);
    ipcRenderer.on(CHANNELS.events, forward);
    return () => void ipcRenderer.removeListener(CHANNELS.events, forward);
  },
});
