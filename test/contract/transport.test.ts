import WebSocket from 'ws';
import { expect, it } from 'vitest';
import type { CallFrame, ResultFrame } from '../../shared/contract/client.js';
import type { EventBatch } from '../../shared/contract/events.js';
import { RemoteWorkbenchClient } from '../../shared/contract/remote-client.js';
import { CALL_CHANNEL, serveOverIpc, type IpcEventLike, type IpcMainLike } from '../../main/transport/ipc.js';
import { startWebSocketFace } from '../../main/transport/websocket.js';
import { connectApi } from '../helpers/workbench.js';
import { transportSuite } from './transport.suite.js';

transportSuite('WebSocket', async (core) => {
  const face = await startWebSocketFace(core, { host: '127.0.0.1', port: 0, token: null, staticDir: null });
  const { api, socket } = await connectApi(face.port, null);
  return {
    client: api,
    close: async () => {
      (socket as WebSocket).terminate();
      await face.close();
    },
  };
});

/** An in-process stand-in for ipcMain + webContents: frames are structured-cloned as Electron does. */
function fakeIpc(senderUrl: string) {
  const handlers = new Map<string, (event: IpcEventLike, frame: unknown) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const client: RemoteWorkbenchClient = new RemoteWorkbenchClient((frame: CallFrame) => {
    const handler = handlers.get(CALL_CHANNEL);
    if (!handler) throw new Error('no handler');
    void handler({ senderFrame: { url: senderUrl } }, structuredClone(frame))
      .then((result) => client.receive(structuredClone(result) as ResultFrame));
  });
  const sink = { send: (_channel: string, batch: unknown) => client.receive({ events: structuredClone(batch) as EventBatch }), isDestroyed: () => false };
  return { ipcMain, client, sink, handlers };
}

const trusted = (event: IpcEventLike) => event.senderFrame?.url.startsWith('app://workbench/') === true;

transportSuite('IPC', async (core) => {
  const { ipcMain, client, sink } = fakeIpc('app://workbench/index.html');
  const stop = serveOverIpc(core, ipcMain, sink, trusted);
  return { client, close: async () => stop() };
});

it('IPC refuses calls from an untrusted frame', async () => {
  const { Workbench } = await import('../../main/workbench/workbench.js');
  const core = await Workbench.start({ broker: { tcp: { host: '127.0.0.1', port: 0 }, ws: false, sysInterval: 0 } });
  try {
    const { ipcMain, client, sink } = fakeIpc('https://evil.example/');
    serveOverIpc(core, ipcMain, sink, trusted);
    const error = await client.call('clients.list', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'forbidden' });
  } finally {
    await core.close();
  }
});
