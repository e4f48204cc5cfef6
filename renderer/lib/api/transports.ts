// The two ways the renderer reaches the core: Electron IPC through the preload's `window.workbench`,
// or the `serve` WebSocket at /api. Both give the same RemoteWorkbenchClient.
import type { CallFrame, EventsFrame, ResultFrame } from '../../../shared/contract/client.js';
import type { EventBatch } from '../../../shared/contract/events.js';
import { RemoteWorkbenchClient } from '../../../shared/contract/remote-client.js';

/** What the Electron preload exposes (see the Electron issue). */
export interface PreloadBridge {
  call(frame: CallFrame): Promise<ResultFrame>;
  onEvents(listener: (batch: EventBatch) => void): () => void;
}

declare global {
  interface Window {
    workbench?: PreloadBridge;
  }
}

export function overIpc(bridge: PreloadBridge): RemoteWorkbenchClient {
  const client: RemoteWorkbenchClient = new RemoteWorkbenchClient((frame) => {
    bridge.call(frame).then((result) => client.receive(result), (error: unknown) => {
      client.receive({ id: frame.id, ok: false, error: { code: 'internal', message: String(error) } });
    });
  });
  bridge.onEvents((batch) => client.receive({ events: batch }));
  return client;
}

/** Opens the API socket of the page's own server, passing on the page's ?token=. */
export function overWebSocket(location: Location, onClose: (reason: string) => void): Promise<RemoteWorkbenchClient> {
  const token = new URLSearchParams(location.search).get('token');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const socket = new WebSocket(url);
  const client = new RemoteWorkbenchClient((frame) => socket.send(JSON.stringify(frame)));
  socket.addEventListener('message', (event) => client.receive(JSON.parse(String(event.data)) as ResultFrame | EventsFrame));
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve(client), { once: true });
    socket.addEventListener('close', (event) => {
      const reason = event.code === 1006 ? 'the connection to MQTT Workbench was lost' : `the connection closed (${event.code})`;
      client.disconnected(reason);
      onClose(reason);
      reject(new Error(reason));
    }, { once: true });
  });
}
