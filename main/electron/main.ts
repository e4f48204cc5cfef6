// The desktop app's entry (package.json "main"): one instance, the core started in the user-data
// folder, one window over IPC, and a clean shutdown. Nothing here reaches the network.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, safeStorage, session, shell } from 'electron';
import type { Workbench } from '../workbench/workbench.js';
import { registerAppScheme, serveAppScheme } from './app-protocol.js';
import { hardenWebContents } from './harden.js';
import { serveWindow } from './ipc-main.js';
import { menuTemplate } from './menu.js';
import { safeStorageKeyProvider } from './safe-storage-key.js';
import { startCore } from './start-core.js';
import { createMainWindow } from './window.js';

/** Built files, next to this one in out/ (inside the asar when packaged). */
const RENDERER_DIR = fileURLToPath(new URL('../../renderer', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));
// In a development run only; installed apps get their icon from the desktop entry / executable.
const ICON = fileURLToPath(new URL('../../../build/icon.png', import.meta.url));

let core: Workbench | null = null;
let mainWindow: BrowserWindow | null = null;
let stopServing: (() => void) | null = null;

registerAppScheme();
if (!app.requestSingleInstanceLock()) {
  // Another instance owns the broker's port and the database: it shows itself (second-instance below).
  app.quit();
} else {
  app.setAppUserModelId('dev.mqttworkbench.app');
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  onQuitCloseCore();
  app.whenReady().then(start).catch(fail);
}

async function start(): Promise<void> {
  const dataDir = join(app.getPath('userData'), 'data');
  serveAppScheme(session.defaultSession, RENDERER_DIR);
  hardenWebContents(session.defaultSession);
  const devTools = !app.isPackaged;
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, devTools, {
    openDataFolder: () => void shell.openPath(dataDir),
    showAbout: () => void dialog.showMessageBox({ title: 'About MQTT Workbench', message: `MQTT Workbench ${app.getVersion()}`, detail: `Data: ${dataDir}` }),
  })));
  core = await startCore(dataDir, safeStorageKeyProvider(dataDir, safeStorage));
  if (!core) {
    app.exit(1);
    return;
  }
  console.log(`mqtt-workbench: state in ${dataDir}; ${core.keyProvider.describe}`);
  for (const a of core.broker.addresses) console.log(`listening  ${a.protocol.padEnd(3)}  ${a.url}`);
  openWindow(devTools);
  app.on('activate', () => {
    if (!mainWindow) openWindow(devTools);
  });
  app.on('window-all-closed', () => {
    // macOS apps stay running with no window (the broker keeps serving); elsewhere closing it quits.
    if (process.platform !== 'darwin') app.quit();
  });
}

function openWindow(devTools: boolean): void {
  if (!core) return;
  const opened = createMainWindow({
    preloadPath: PRELOAD,
    stateFile: join(app.getPath('userData'), 'window-state.json'),
    devTools,
    ...(process.platform === 'linux' && existsSync(ICON) ? { icon: ICON } : {}),
  });
  stopServing = serveWindow(core, opened.webContents);
  opened.on('closed', () => {
    stopServing?.();
    stopServing = null;
    mainWindow = null;
  });
  mainWindow = opened;
}

/** before-quit: hold the quit until the core has closed (clients disconnected, broker stopped, store flushed), once. */
function onQuitCloseCore(): void {
  let closing = false;
  app.on('before-quit', (event) => {
    event.preventDefault();
    if (closing) return;
    closing = true;
    stopServing?.();
    const closed = core ? core.close() : Promise.resolve();
    closed.then(() => app.exit(0), (error: unknown) => {
      console.error(`mqtt-workbench: error while stopping: ${error instanceof Error ? error.message : String(error)}`);
      app.exit(1);
    });
  });
  // Ctrl+C in the terminal of `npm start`, or a service manager's stop: the same clean path.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}

function fail(error: unknown): void {
  dialog.showErrorBox('MQTT Workbench cannot start', error instanceof Error ? error.message : String(error));
  app.exit(1);
}
