// The application menu: the usual items, platform conventions, developer tools only in development.
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { menuTemplate } from '../../main/electron/menu.js';

const roles = (items: MenuItemConstructorOptions[]): string[] =>
  items.flatMap((i) => [...(i.role ? [i.role] : []), ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]);
const actions = { openDataFolder: () => {}, showAbout: () => {} };

describe('application menu', () => {
  it('has quit, the edit commands, zoom and the window menu on every platform', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const all = roles(menuTemplate(platform, false, actions));
      for (const role of ['quit', 'undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'reload', 'zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen', 'windowMenu']) {
        expect(all, `${platform} ${role}`).toContain(role);
      }
      expect(all).not.toContain('toggleDevTools');
    }
  });

  it('puts Quit under File with Ctrl+Q off macOS, and in the app menu on macOS', () => {
    const file = menuTemplate('linux', false, actions).find((m) => m.label === '&File')!;
    expect(file.submenu).toContainEqual({ role: 'quit', accelerator: 'CmdOrCtrl+Q' });
    const mac = menuTemplate('darwin', false, actions);
    expect(mac[0]!.role).toBe('appMenu');
    expect(roles([mac[0]!])).toContain('quit');
  });

  it('offers developer tools only in a development run', () => {
    expect(roles(menuTemplate('linux', true, actions))).toContain('toggleDevTools');
  });

  it('calls our actions', () => {
    let opened = 0;
    const file = menuTemplate('win32', false, { ...actions, openDataFolder: () => void opened++ }).find((m) => m.label === '&File')!;
    const item = (file.submenu as MenuItemConstructorOptions[]).find((i) => i.label === 'Open Data Folder')!;
    (item.click as () => void)();
    expect(opened).toBe(1);
  });
});
