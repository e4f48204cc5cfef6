// The main window's options. Plain data (type-only Electron import) so a test asserts every flag.
import type { BrowserWindowConstructorOptions } from 'electron';
import { MIN_SIZE, type Bounds } from './window-state.js';

export interface MainWindowSetup {
  preloadPath: string;
  bounds: Bounds;
  /** The window icon on Linux (Windows and macOS take it from the executable). */
  icon?: string;
  /** Developer tools only in a development run (`npm start`), not in the installed app. */
  devTools: boolean;
}

export function mainWindowOptions({ preloadPath, bounds, icon, devTools }: MainWindowSetup): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'MQTT Workbench',
    // Shown once the page has painted, so the window never flashes white.
    show: false,
    backgroundColor: '#1b1f24',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload: preloadPath,
      // The page gets window.workbench from the preload and nothing of Node or Electron.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // The spell checker downloads dictionaries from the internet; the app makes no requests at all.
      spellcheck: false,
      devTools,
    },
  };
}
