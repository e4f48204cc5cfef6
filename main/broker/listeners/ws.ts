// MQTT over WebSocket: binary frames on one path, subprotocol "mqtt" (and the older "mqttv3.1").
import { createServer } from 'node:http';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { WebSocketListenerOptions } from '../options.js';
import { listenError, urlHost, type AcceptSocket, type Listener } from './listener.js';

const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

export function listenWebSocket(options: WebSocketListenerOptions, accept: AcceptSocket): Promise<Listener> {
  const http = createServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end(`MQTT over WebSocket lives at ${options.path}\n`);
  });
  const wss = new WebSocketServer({
    server: http,
    path: options.path,
    perMessageDeflate: false,
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  // The WebSocketServer re-emits its HTTP server's errors (e.g. EADDRINUSE); the listen promise reports them.
  wss.on('error', () => {});
  wss.on('connection', (ws, request) => {
    const stream = createWebSocketStream(ws);
    // The stream only ends when both sides have; a peer that goes away must end it at once.
    ws.on('close', () => stream.destroy());
    // A broken peer surfaces as a stream error; the connection then just closes.
    stream.on('error', () => stream.destroy());
    accept(stream, request.socket.remoteAddress ?? '');
  });
  return new Promise((resolve, reject) => {
    http.once('error', (error) => reject(listenError(error, 'WebSocket', options.host, options.port)));
    http.listen(options.port, options.host, () => {
      const { port } = http.address() as { port: number };
      resolve({
        address: { protocol: 'ws', host: options.host, port, url: `ws://${urlHost(options.host)}:${port}${options.path}` },
        close: () => new Promise((done) => {
          wss.close();
          http.close(() => done());
        }),
      });
    });
  });
}
