// A real workbench (broker on OS-picked ports, in-memory store unless a data dir is given) served over
// the real WebSocket face, and an API client talking to it through a real socket.
import WebSocket from 'ws';
import type { EventBatch } from '../../shared/contract/events.js';
import { RemoteWorkbenchClient } from '../../shared/contract/remote-client.js';
import { API_PATH, startWebSocketFace, type WebSocketFace } from '../../main/transport/websocket.js';
import { Workbench, type WorkbenchOptions } from '../../main/workbench/workbench.js';
import { withTimeout } from './broker.js';

export interface TestWorkbench {
  workbench: Workbench;
  face: WebSocketFace;
  api: RemoteWorkbenchClient;
  socket: WebSocket;
  /** Every event batch received so far. */
  batches: EventBatch[];
  close(): Promise<void>;
}

export async function startWorkbench(options: WorkbenchOptions = {}, token: string | null = null): Promise<TestWorkbench> {
  const workbench = await Workbench.start({
    broker: { tcp: { host: '127.0.0.1', port: 0 }, ws: { host: '127.0.0.1', port: 0, path: '/mqtt' }, sysInterval: 0 },
    dataDir: null,
    ...options,
  });
  const face = await startWebSocketFace(workbench, { host: '127.0.0.1', port: 0, token, staticDir: null });
  const { api, socket } = await connectApi(face.port, token);
  const batches: EventBatch[] = [];
  api.onEvents((batch) => batches.push(batch));
  return {
    workbench, face, api, socket, batches,
    close: async () => {
      socket.terminate();
      await face.close();
      await workbench.close();
    },
  };
}

export async function connectApi(port: number, token: string | null, headers: Record<string, string> = {}) {
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  const socket = new WebSocket(`ws://127.0.0.1:${port}${API_PATH}${query}`, { headers });
  const api = new RemoteWorkbenchClient((frame) => socket.send(JSON.stringify(frame)));
  socket.on('message', (data) => api.receive(JSON.parse(data.toString())));
  socket.on('close', () => api.disconnected('the API socket closed'));
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  }), 5000, 'the API WebSocket to open');
  return { api, socket };
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
