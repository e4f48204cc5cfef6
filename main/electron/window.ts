// The main window: secure options (window-options.ts), the app:// start page, and its place on screen
// remembered between runs (window-state.ts).
import { BrowserWindow, screen } from 'electron';
import { APP_START_URL } from './security.js';
import { mainWindowOptions } from './window-options.js';
import { clampWindowState, readWindowState, writeWindowState } from './window-state.js';

export interface MainWindowPaths {
  preloadPath: string;
  /** window-state.json in the user-data folder. */
  stateFile: string;
  icon?: string;
  devTools: boolean;
}

export function createMainWindow({ preloadPath, stateFile, icon, devTools }: MainWindowPaths): BrowserWindow {
  const state = clampWindowState(readWindowState(stateFile), screen.getAllDisplays().map((d) => d.workArea));
  const window = new BrowserWindow(mainWindowOptions({ preloadPath, bounds: state.bounds, devTools, ...(icon ? { icon } : {}) }));
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  // Saved on close (not on every move): getNormalBounds() is the size to restore to, even when maximized.
  window.on('close', () => {
    try {
      writeWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
    } catch (error) {
      console.error(`mqtt-workbench: could not save the window state: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  void window.loadURL(APP_START_URL);
  return window;
}
