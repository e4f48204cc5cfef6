// The main window's options (every security flag) and the remembered window state.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mainWindowOptions } from '../../main/electron/window-options.js';
import {
  clampWindowState, DEFAULT_SIZE, MIN_SIZE, parseWindowState, readWindowState, writeWindowState, type Rect,
} from '../../main/electron/window-state.js';

describe('main window options', () => {
  const options = mainWindowOptions({ preloadPath: '/app/out/main/electron/preload.cjs', bounds: { x: 10, y: 20, width: 1000, height: 700 }, devTools: false });
  const web = options.webPreferences!;

  it('isolates the page: context isolation, sandbox, no Node anywhere', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and everything risky off', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
    expect(web.webviewTag).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
    expect(web.spellcheck).toBe(false);
    expect(web.safeDialogs).toBe(true);
    expect(web.devTools).toBe(false);
    expect(web).not.toHaveProperty('enableBlinkFeatures');
    expect(web).not.toHaveProperty('additionalArguments');
    // The remote module is gone from Electron; make sure nothing asks for it either.
    expect(JSON.stringify(options)).not.toMatch(/remote/i);
  });

  it('loads our preload only, and uses the given bounds', () => {
    expect(web.preload).toBe('/app/out/main/electron/preload.cjs');
    expect(Object.keys(web).sort()).toEqual([
      'allowRunningInsecureContent', 'contextIsolation', 'devTools', 'experimentalFeatures', 'navigateOnDragDrop', 'nodeIntegration',
      'nodeIntegrationInSubFrames', 'nodeIntegrationInWorker', 'preload', 'safeDialogs', 'sandbox', 'spellcheck', 'webSecurity', 'webviewTag',
    ]);
    expect(options).toMatchObject({ x: 10, y: 20, width: 1000, height: 700, minWidth: MIN_SIZE.width, minHeight: MIN_SIZE.height, show: false });
    expect(mainWindowOptions({ preloadPath: 'p', bounds: DEFAULT_SIZE, devTools: true }).webPreferences!.devTools).toBe(true);
  });
});

describe('window state', () => {
  const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
  const rightMonitor: Rect = { x: 1920, y: 0, width: 2560, height: 1400 };

  it('keeps a saved place that is on a screen', () => {
    const saved = { bounds: { x: 100, y: 50, width: 1200, height: 800 }, maximized: true };
    expect(clampWindowState(saved, [laptop])).toEqual(saved);
    const onSecond = { bounds: { x: 2200, y: 100, width: 1600, height: 900 }, maximized: false };
    expect(clampWindowState(onSecond, [laptop, rightMonitor])).toEqual(onSecond);
  });

  it('centres on the primary screen a window whose monitor is gone', () => {
    const saved = { bounds: { x: 2200, y: 100, width: 1600, height: 900 }, maximized: false };
    expect(clampWindowState(saved, [laptop])).toEqual({ bounds: { x: 160, y: 70, width: 1600, height: 900 }, maximized: false });
  });

  it('centres a window barely on screen (less than a grab handle visible)', () => {
    const saved = { bounds: { x: 1900, y: 1000, width: 1000, height: 700 }, maximized: false };
    expect(clampWindowState(saved, [laptop]).bounds).toEqual({ x: 460, y: 170, width: 1000, height: 700 });
  });

  it('pulls a partly visible window fully onto its screen', () => {
    const saved = { bounds: { x: -300, y: 900, width: 1000, height: 700 }, maximized: false };
    expect(clampWindowState(saved, [laptop]).bounds).toEqual({ x: 0, y: 340, width: 1000, height: 700 });
  });

  it('shrinks a window larger than the screen and grows one below the minimum', () => {
    const pi: Rect = { x: 0, y: 0, width: 1024, height: 576 };
    expect(clampWindowState({ bounds: { x: 0, y: 0, width: 3000, height: 2000 }, maximized: false }, [pi]).bounds).toEqual({ x: 0, y: 0, width: 1024, height: 576 });
    expect(clampWindowState({ bounds: { x: 0, y: 0, width: 100, height: 100 }, maximized: false }, [laptop]).bounds).toMatchObject({ width: MIN_SIZE.width, height: MIN_SIZE.height });
  });

  it('uses the default size, centred, without a saved state or without a position', () => {
    expect(clampWindowState(null, [laptop])).toEqual({ bounds: { x: 320, y: 110, ...DEFAULT_SIZE }, maximized: false });
    expect(clampWindowState({ bounds: { width: 1000, height: 700 }, maximized: false }, [laptop]).bounds).toEqual({ x: 460, y: 170, width: 1000, height: 700 });
    expect(clampWindowState(null, [])).toEqual({ bounds: DEFAULT_SIZE, maximized: false });
  });

  it('accepts only its own shape from the file', () => {
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: 900, height: 600 }, maximized: true })).toEqual({ bounds: { x: 1, y: 2, width: 900, height: 600 }, maximized: true });
    expect(parseWindowState({ bounds: { x: 'a', y: 2, width: 900, height: 600 } })).toEqual({ bounds: { width: 900, height: 600 }, maximized: false });
    for (const bad of [null, 42, 'x', [], {}, { bounds: null }, { bounds: { width: 0, height: 600 } }, { bounds: { width: 900.5, height: 600 } },
      { bounds: { width: Number.MAX_VALUE, height: 600 } }, { bounds: { width: '900', height: 600 } }]) {
      expect(parseWindowState(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  describe('on disk', () => {
    let dir = '';
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('round-trips through the file, and a missing or broken file reads as null', () => {
      dir = mkdtempSync(join(tmpdir(), 'window-state-'));
      const file = join(dir, 'nested', 'window-state.json');
      expect(readWindowState(file)).toBeNull();
      const state = { bounds: { x: 5, y: 6, width: 1100, height: 750 }, maximized: false };
      writeWindowState(file, state);
      expect(readWindowState(file)).toEqual(state);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state);
      writeFileSync(file, '{"bounds": {"x": 5,');
      expect(readWindowState(file)).toBeNull();
    });
  });
});
