// What the app:// protocol answers for a request: the file under out/renderer (same containment rules as
// serve's static.ts), with the app's CSP. Plain Node, so the path handling is unit-tested.
import { contentType, resolveFile } from '../transport/static.js';
import { APP_HOST, APP_SCHEME, appContentSecurityPolicy } from './security.js';

export type AppAnswer =
  | { status: 200; file: string; headers: Record<string, string> }
  | { status: 404 | 405; file: null; headers: Record<string, string> };

export function answerAppRequest(rendererDir: string, url: string, method: string): AppAnswer {
  const headers: Record<string, string> = {
    'content-security-policy': appContentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, file: null, headers: { ...headers, allow: 'GET, HEAD' } };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 404, file: null, headers };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { status: 404, file: null, headers };
  const file = resolveFile(rendererDir, parsed.pathname);
  if (!file) return { status: 404, file: null, headers };
  return { status: 200, file, headers: { ...headers, 'content-type': contentType(file) } };
}
