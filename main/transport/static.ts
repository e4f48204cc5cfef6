// Serves the built renderer for `serve` mode: files under one folder, index.html for everything else.
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>MQTT Workbench</title>
<p>The MQTT Workbench API is running, but the user interface has not been built. Run <code>npm run build</code>.</p>`;

export function serveStatic(root: string | null, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = root ? resolveFile(root, new URL(request.url ?? '/', 'http://x').pathname) : null;
  if (!file) {
    response.writeHead(200, { 'content-type': TYPES['.html']! }).end(NOT_BUILT);
    return;
  }
  response.writeHead(200, {
    'content-type': contentType(file),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  if (request.method === 'HEAD') response.end();
  else createReadStream(file).pipe(response);
}

/** The Content-Type of a file we serve, by extension. */
export function contentType(file: string): string {
  return TYPES[extname(file)] ?? 'application/octet-stream';
}

/**
 * The file for a URL path inside root, index.html for unknown paths (client-side routes); null if none.
 * Shared with the Electron face's app:// protocol, so both keep the same containment rules.
 */
export function resolveFile(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const candidate = normalize(join(root, decoded));
  // Never outside root, whatever `..` the path holds; a NUL byte would make statSync throw.
  const inside = candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
  if (inside && !decoded.includes('\0') && isFile(candidate)) return candidate;
  const index = join(root, 'index.html');
  return isFile(index) ? index : null;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
