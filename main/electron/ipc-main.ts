// The contract over Electron IPC for one window: main/transport/ipc.ts with the real ipcMain, the
// window's webContents as the event sink, and every call's sender frame checked (security.ts).
import { ipcMain, type WebContents } from 'electron';
import type { WorkbenchClient } from '../../shared/contract/client.js';
import { serveOverIpc } from '../transport/ipc.js';
import { isTrustedSender } from './security.js';

/** Returns the function that stops serving (the window closed). */
export function serveWindow(core: WorkbenchClient, contents: WebContents): () => void {
  return serveOverIpc(core, ipcMain, contents, isTrustedSender);
}
