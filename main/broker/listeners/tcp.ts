import { createServer } from 'node:net';
import type { ListenerOptions } from '../options.js';
import { listenError, urlHost, type AcceptSocket, type Listener } from './listener.js';

export function listenTcp(options: ListenerOptions, accept: AcceptSocket): Promise<Listener> {
  const server = createServer({ noDelay: true }, (socket) => accept(socket, socket.remoteAddress ?? ''));
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, 'MQTT', options.host, options.port)));
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as { port: number };
      resolve({
        address: { protocol: 'tcp', host: options.host, port, url: `mqtt://${urlHost(options.host)}:${port}` },
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
