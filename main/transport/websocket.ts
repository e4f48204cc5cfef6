// The `serve` face: one HTTP server that serves the renderer and speaks the contract over a WebSocket
// at /api — JSON call frames in, result frames and event batches out.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { EventsFrame, WorkbenchClient } from '../../shared/contract/client.js';
import { answer } from './frames.js';
import { serveStatic } from './static.js';

export const API_PATH = '/api';

export interface WebSocketFaceOptions {
  host: string;
  port: number;
  /** Required from clients when set (`?token=` or `Authorization: Bearer`); see tokenFor(). */
  token: string | null;
  /** The built renderer; null serves a short "not built" page. */
  staticDir: string | null;
}

export interface WebSocketFace {
  /** The URL to open in a browser (with the token when one is needed). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Event batches are skipped for a browser whose socket already buffers this much (it sees a seq gap). */
const MAX_BUFFERED = 8 * 1024 * 1024;

/** Loopback needs no token; any other address does (a fresh random one unless given). */
export function tokenFor(host: string, given?: string): string | null {
  if (given) return given;
  const loopback = host === 'localhost' || host.startsWith('127.') || host === '::1';
  return loopback ? null : randomBytes(18).toString('base64url');
}

export async function startWebSocketFace(core: WorkbenchClient, options: WebSocketFaceOptions): Promise<WebSocketFace> {
  const http = createServer((request, response) => serveStatic(options.staticDir, request, response));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  http.on('upgrade', (request, socket, head) => {
    const refusal = refuse(request, options.token);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => serveSocket(core, ws));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const query = options.token ? `/?token=${encodeURIComponent(options.token)}` : '/';
  return {
    url: `http://${host}:${port}${query}`,
    port,
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.close(() => resolve());
      http.closeAllConnections();
    }),
  };
}

function serveSocket(core: WorkbenchClient, ws: WebSocket): void {
  const stopEvents = core.onEvents((batch) => {
    if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > MAX_BUFFERED) return;
    const frame: EventsFrame = { events: batch };
    ws.send(JSON.stringify(frame));
  });
  ws.on('message', async (data, isBinary) => {
    let frame: unknown;
    try {
      frame = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      frame = undefined;
    }
    const result = await answer(core, frame);
    if (!result) {
      ws.close(1003, 'expected a JSON call frame {id, cmd, input}');
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(result));
  });
  ws.on('close', stopEvents);
  ws.on('error', () => ws.terminate());
}

/** Why an upgrade is refused (an HTTP status line), or null to accept it. */
function refuse(request: IncomingMessage, token: string | null): string | null {
  const url = new URL(request.url ?? '/', 'http://x');
  if (url.pathname !== API_PATH) return '404 Not Found';
  // A web page on another site must not drive the API through the user's browser.
  const origin = request.headers.origin;
  if (origin !== undefined && safeHost(origin) !== request.headers.host) return '403 Forbidden';
  if (token === null) return null;
  const header = request.headers.authorization;
  const given = url.searchParams.get('token') ?? (header?.startsWith('Bearer ') ? header.slice(7) : null);
  return given !== null && sameSecret(given, token) ? null : '401 Unauthorized';
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
