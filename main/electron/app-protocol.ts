// The app:// scheme the renderer is loaded from: a standard, secure origin of its own (so 'self' in the
// CSP means exactly our files, and localStorage works), served from out/renderer on disk or in the asar.
import { readFile } from 'node:fs/promises';
import { protocol, type Session } from 'electron';
import { answerAppRequest } from './app-files.js';
import { APP_SCHEME } from './security.js';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function serveAppScheme(session: Session, rendererDir: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const answer = answerAppRequest(rendererDir, request.url, request.method);
    if (!answer.file) return new Response(null, { status: answer.status, headers: answer.headers });
    const body = request.method === 'HEAD' ? null : await readFile(answer.file);
    return new Response(body, { status: 200, headers: answer.headers });
  });
}
