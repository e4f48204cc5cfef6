// electron-builder.yml: valid against electron-builder's own JSON schema, and it names every installer
// of the issue (Windows NSIS x64/arm64, macOS DMG x64/arm64, Linux AppImage + deb x64/arm64/armv7l).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
// ajv, js-yaml and builder-util are electron-builder's own dependencies: load them from its side, the
// versions it validates and parses with.
const fromBuilder = createRequire(resolve(root, 'node_modules/app-builder-lib/package.json'));
const yaml = fromBuilder('js-yaml') as { load(text: string): unknown };
const Ajv = fromBuilder('ajv') as new (options: object) => {
  compile(schema: object): ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
};
const { Arch, toLinuxArchString } = fromBuilder('builder-util') as {
  Arch: Record<string, number>;
  toLinuxArchString(arch: number, targetName: string): string;
};
const schema = JSON.parse(readFileSync(resolve(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);

type Target = { target: string; arch: string[] };
interface Config {
  appId: string; productName: string; files: string[]; asar: boolean; asarUnpack: string[]; publish: null; npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  win: { target: Target[]; icon: string }; mac: { target: Target[]; icon: string };
  linux: { target: Target[]; icon: string; category: string; maintainer: string; desktop: { entry: Record<string, string> } };
  deb: { depends: string[] };
}
const config = yaml.load(readFileSync(resolve(root, 'electron-builder.yml'), 'utf8')) as Config;

const errorsOf = (c: unknown) => (validate(c) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

describe('electron-builder.yml', () => {
  it('is valid against electron-builder\'s JSON schema', () => {
    expect(errorsOf(config)).toEqual([]);
  });

  it('(the schema check can fail: an unknown option or a wrong type is reported)', () => {
    expect(errorsOf({ ...config, linux: { ...config.linux, bogus: 1 } })).not.toEqual([]);
    expect(errorsOf({ ...config, asar: 'yes' })).not.toEqual([]);
  });

  it('names the app and its icons', () => {
    expect(config.appId).toBe('dev.mqttworkbench.app');
    expect(config.productName).toBe('MQTT Workbench');
    expect(config.win.icon).toBe('build/icon.ico');
    expect(config.mac.icon).toBe('build/icon.icns');
    expect(config.linux.icon).toBe('build/icons');
  });

  it('builds every installer of the issue', () => {
    const targets = (list: Target[]) => Object.fromEntries(list.map((t) => [t.target, [...t.arch].sort()]));
    expect(targets(config.win.target)).toEqual({ nsis: ['arm64', 'x64'] });
    expect(targets(config.mac.target)).toEqual({ dmg: ['arm64', 'x64'] });
    expect(targets(config.linux.target)).toEqual({ AppImage: ['arm64', 'armv7l', 'x64'], deb: ['arm64', 'armv7l', 'x64'] });
  });

  it('packages armv7l as the deb architecture armhf (32-bit Raspberry Pi OS), arm64 and x64 as arm64 and amd64', () => {
    expect(toLinuxArchString(Arch.armv7l!, 'deb')).toBe('armhf');
    expect(toLinuxArchString(Arch.arm64!, 'deb')).toBe('arm64');
    expect(toLinuxArchString(Arch.x64!, 'deb')).toBe('amd64');
    expect(toLinuxArchString(Arch.armv7l!, 'AppImage')).toBe('armv7l');
  });

  it('flips the security fuses and publishes nothing (no auto-update)', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.publish).toBeNull();
  });

  it('ships the compiled app only, in an asar, with better-sqlite3\'s binary unpacked', () => {
    expect(config.asar).toBe(true);
    for (const pattern of config.files) expect(pattern, pattern).toMatch(/^(out\/(main|shared|renderer)\/|package\.json$|!)/);
    expect(config.files).toContain('!**/*.map');
    expect(config.asarUnpack).toEqual(['**/node_modules/better-sqlite3/**/*.node']);
    // Rebuilt for Electron per target arch at packaging time (scripts/dist.js restores the Node build).
    expect(config.npmRebuild).toBe(true);
  });

  it('gives the deb Electron\'s libraries and a desktop entry', () => {
    const names = config.deb.depends.flatMap((d) => d.split('|').map((s) => s.trim()));
    for (const lib of ['libnss3', 'libgtk-3-0', 'libxss1', 'libasound2', 'libgbm1', 'libsecret-1-0', 'xdg-utils']) expect(names).toContain(lib);
    expect(config.linux.category).toBe('Development');
    expect(config.linux.maintainer).toMatch(/<.+@.+>/);
    expect(config.linux.desktop.entry).toMatchObject({ Name: 'MQTT Workbench' });
    expect(config.linux.desktop.entry.Comment).toBeTruthy();
    expect(config.linux.desktop.entry.Categories!.split(';')).toEqual(expect.arrayContaining(['Development', 'Network']));
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

  it('points "main" at the built Electron entry', () => {
    expect(pkg.main).toBe('out/main/electron/main.js');
  });

  it('never rebuilds native modules for Electron on install or test', () => {
    for (const name of ['install', 'postinstall', 'preinstall', 'prepare', 'test', 'pretest', 'build']) {
      expect(pkg.scripts[name] ?? '', name).not.toMatch(/install-app-deps|electron-rebuild|@electron\/rebuild/);
    }
  });
});
