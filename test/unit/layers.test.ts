// The import table of ARCHITECTURE.md, checked on every test run: which folder may import what, and no
// import cycles. (Type-only imports count too: they still tie the layers together.)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(c?ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

// renderer/vite.config.ts is build tooling that runs in Node, not renderer code.
const files = [...sourceFiles('main'), ...sourceFiles('shared'), ...sourceFiles('renderer').filter((f) => !f.endsWith('vite.config.ts'))];

/** Every module specifier a file imports, with relative ones resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s(?:[^'"]*?from\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  return specifiers.map((s) => (s.startsWith('.') ? relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts') : s));
}

/** Folder → what it must not import (prefixes of repository paths or package names). */
const forbidden: Record<string, string[]> = {
  'shared/': ['main/', 'renderer/', 'node:', 'electron', 'svelte', 'mqtt', 'better-sqlite3', 'ws'],
  'main/broker/': ['main/store/', 'main/clients/', 'main/tap/', 'main/recording/', 'main/workbench/', 'main/transport/', 'main/cli/', 'main/electron/', 'electron', 'better-sqlite3'],
  'main/store/': ['main/clients/', 'main/tap/', 'main/recording/', 'main/workbench/', 'main/transport/', 'main/cli/', 'main/electron/', 'electron'],
  'main/clients/': ['main/broker/', 'main/store/', 'main/tap/', 'main/recording/', 'main/workbench/', 'main/transport/', 'main/cli/', 'main/electron/', 'electron'],
  'main/tap/': ['main/recording/', 'main/workbench/', 'main/transport/', 'main/cli/', 'main/electron/', 'electron'],
  // Recordings build on the store, the tap, the broker's state and the named clients; the workbench uses them.
  'main/recording/': ['main/workbench/', 'main/transport/', 'main/cli/', 'main/electron/', 'electron'],
  'main/workbench/': ['main/transport/', 'main/cli/', 'main/electron/', 'electron'],
  'main/transport/': ['main/broker/', 'main/clients/', 'main/store/', 'main/tap/', 'main/recording/', 'main/cli/', 'main/electron/', 'electron'],
  'main/cli/': ['main/electron/', 'electron'],
  // The desktop face may use every core layer (workbench, transport, store, shared), never the renderer's code.
  'main/electron/': ['renderer/', 'main/cli/', '@electron/remote'],
  'renderer/': ['main/', 'node:', 'electron', 'mqtt', 'better-sqlite3', 'ws'],
};

describe('layers (ARCHITECTURE.md import table)', () => {
  for (const [folder, banned] of Object.entries(forbidden)) {
    it(`${folder} imports none of ${banned.join(', ')}`, () => {
      // 'mqtt' bans 'mqtt' and 'mqtt/…', not 'mqtt-packet'; 'node:' and 'main/x/' are prefixes.
      const hits = (i: string, b: string) => i === b || i.startsWith(/[/:]$/.test(b) ? b : `${b}/`);
      const offending = files.filter((f) => f.startsWith(folder))
        .flatMap((f) => importsOf(f).filter((i) => banned.some((b) => hits(i, b))).map((i) => `${f} → ${i}`));
      expect(offending).toEqual([]);
    });
  }

  it('renderer/ takes no value at run time from a shared module that imports zod (its eval probe breaks the CSP)', () => {
    const usesZod = (f: string) => importsOf(f).includes('zod');
    const offending = files.filter((f) => f.startsWith('renderer/')).flatMap((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return [...text.matchAll(/^\s*import\s+(?!type\b)[^'"]*from\s+['"]([^'"]+)['"]/gm)]
        .map((m) => relative(root, resolve(root, dirname(f), m[1]!)).replace(/\.js$/, '.ts'))
        .filter((target) => target.startsWith('shared/') && usesZod(target))
        .map((target) => `${f} → ${target}`);
    });
    expect(offending).toEqual([]);
  });

  it('only main/electron/ imports electron', () => {
    const offending = files.filter((f) => !f.startsWith('main/electron/'))
      .flatMap((f) => importsOf(f).filter((i) => i === 'electron' || i.startsWith('electron/')).map((i) => `${f} → ${i}`));
    expect(offending).toEqual([]);
  });

  it('main/electron/: only the Electron glue imports electron at run time; the rest (unit-tested under Node) only its types', () => {
    const glue = ['main.ts', 'window.ts', 'app-protocol.ts', 'harden.ts', 'ipc-main.ts', 'start-core.ts'].map((f) => `main/electron/${f}`);
    const electronFiles = files.filter((f) => f.startsWith('main/electron/'));
    expect(electronFiles.length).toBeGreaterThan(glue.length);
    const offending = electronFiles.filter((f) => !glue.includes(f) && !f.endsWith('.cts')).filter((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return /^\s*import\s+(?!type\b)[^'"]*from\s+['"]electron['"]/m.test(text) || /^\s*import\s+['"]electron['"]/m.test(text) || /require\(\s*['"]electron['"]\s*\)/.test(text);
    });
    expect(offending).toEqual([]);
  });

  it('main/store/ uses only types from main/broker/', () => {
    const offending = files.filter((f) => f.startsWith('main/store/')).flatMap((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return [...text.matchAll(/^import\s+(?!type\b)[^'"]*from\s+['"](\.\.\/broker\/[^'"]+)['"]/gm)].map((m) => `${f} → ${m[1]}`);
    });
    expect(offending).toEqual([]);
  });

  it('main/tap/ uses only types from main/broker/, and only its events', () => {
    const offending = files.filter((f) => f.startsWith('main/tap/')).flatMap((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return [...text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+['"](\.\.\/broker\/[^'"]+)['"]/gm)]
        .filter((m) => !m[1] || m[2] !== '../broker/events.js').map((m) => `${f} → ${m[2]}`);
    });
    expect(offending).toEqual([]);
  });

  it('has no import cycles between modules, except type-only ones', () => {
    const valueImports = new Map(files.map((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      const deps = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)]
        .map((m) => relative(root, resolve(root, dirname(f), m[1])).replace(/\.js$/, '.ts'))
        // A Svelte component that renders itself (a tree node) imports itself: recursion, not a cycle.
        .filter((d) => d !== f);
      return [f, deps];
    }));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
        return;
      }
      state.set(f, 'visiting');
      for (const d of valueImports.get(f) ?? []) visit(d, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
