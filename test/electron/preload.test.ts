// The preload, run the way Electron runs a sandboxed one: compiled to CommonJS, wrapped in a function
// whose `require` knows only 'electron'. The page must get window.workbench = { call, onEvents } over
// the two channels of main/transport/ipc.ts, and nothing else.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CALL_CHANNEL, EVENTS_CHANNEL } from '../../main/transport/ipc.js';

const SOURCE = resolve(import.meta.dirname, '../../main/electron/preload.cts');

type Listener = (event: unknown, ...args: unknown[]) => void;

function runPreload() {
  const { outputText } = ts.transpileModule(readFileSync(SOURCE, 'utf8'), {
    fileName: 'preload.cts',
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const exposed = new Map<string, unknown>();
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Listener[]>();
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, frame: unknown) => {
        invoked.push([channel, frame]);
        return { id: (frame as { id: number }).id, ok: true, result: 'answer' };
      },
      on: (channel: string, l: Listener) => void listeners.set(channel, [...(listeners.get(channel) ?? []), l]),
      removeListener: (channel: string, l: Listener) => void listeners.set(channel, (listeners.get(channel) ?? []).filter((x) => x !== l)),
      send: () => { throw new Error('the preload must not use send'); },
      sendSync: () => { throw new Error('the preload must not use sendSync'); },
    },
  };
  // Electron's sandboxed preload wrapper: (require, process, Buffer, global, setImmediate, clearImmediate, exports, module).
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name}`);
  };
  const wrapper = runInNewContext(`(function (require, process, Buffer, global, setImmediate, clearImmediate, exports, module) {\n${outputText}\n})`, {});
  const exports = {};
  wrapper(sandboxRequire, { type: 'renderer', sandboxed: true }, undefined, {}, undefined, undefined, exports, { exports });
  return { exposed, invoked, listeners, required };
}

describe('preload', () => {
  it('runs sandboxed: requires nothing but electron', () => {
    expect(runPreload().required).toEqual(['electron']);
  });

  it('exposes window.workbench with call and onEvents only', () => {
    const { exposed } = runPreload();
    expect([...exposed.keys()]).toEqual(['workbench']);
    const bridge = exposed.get('workbench') as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onEvents']);
    expect(typeof bridge.call).toBe('function');
    expect(typeof bridge.onEvents).toBe('function');
  });

  it('uses exactly the channels of main/transport/ipc.ts (the allow-list)', async () => {
    const { exposed, invoked, listeners } = runPreload();
    const bridge = exposed.get('workbench') as { call(f: unknown): Promise<unknown>; onEvents(l: (b: unknown) => void): () => void };
    const frame = { id: 7, cmd: 'clients.list', input: {} };
    expect(await bridge.call(frame)).toEqual({ id: 7, ok: true, result: 'answer' });
    bridge.onEvents(() => {});
    const used = new Set([...invoked.map(([c]) => c), ...listeners.keys()]);
    expect([...used].sort()).toEqual([CALL_CHANNEL, EVENTS_CHANNEL].sort());
    expect(invoked).toEqual([[CALL_CHANNEL, frame]]);
    // The same two names, spelled in the preload (it cannot import ipc.ts) — a rename must change both.
    const source = readFileSync(SOURCE, 'utf8');
    const spelled = [...source.matchAll(/'(workbench:[a-z-]+)'/g)].map((m) => m[1]).sort();
    expect(spelled).toEqual([CALL_CHANNEL, EVENTS_CHANNEL].sort());
  });

  it('passes the page the batch only (never the IPC event), and unsubscribes', () => {
    const { exposed, listeners } = runPreload();
    const bridge = exposed.get('workbench') as { onEvents(l: (...args: unknown[]) => void): () => void };
    const got: unknown[][] = [];
    const stop = bridge.onEvents((...args) => void got.push(args));
    const ipcEvent = { sender: 'ipcRenderer itself', ports: [] };
    for (const l of listeners.get(EVENTS_CHANNEL)!) l(ipcEvent, [{ type: 'client-removed', name: 'a' }]);
    expect(got).toEqual([[[{ type: 'client-removed', name: 'a' }]]]);
    stop();
    expect(listeners.get(EVENTS_CHANNEL)).toEqual([]);
  });
});
