// The security rules of the desktop window, as plain values and predicates: no runtime import of
// 'electron', so the unit tests check exactly what main.ts applies.

/** The renderer is served from this origin (a privileged custom scheme), never from file:// or a dev server. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'workbench';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/**
 * The Content-Security-Policy the app:// handler sends with every response. Stricter than the page's own
 * <meta> (which also allows ws: for serve mode): over IPC the page needs no network at all.
 * 'unsafe-inline' for styles only: Svelte writes style attributes; scripts stay 'self' without eval.
 */
export function appContentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'none'",
    "frame-src 'none'",
    "child-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** True for URLs of the app's own pages: app://workbench/…, no user info, no port. */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

/** The part of Electron's WebFrameMain the sender check reads (its parent is null for a top-level frame). */
export interface SenderFrameLike {
  readonly url: string;
  readonly parent?: SenderFrameLike | null;
}

/**
 * Accepts an IPC message only from the main frame of one of the app's own pages. A frame that is gone
 * (senderFrame null), a sub-frame, or any other origin (file://, http://127.0.0.1:8080, https://…) is refused.
 */
export function isTrustedSender(event: { readonly senderFrame?: SenderFrameLike | null }): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  // `parent` must be present and null: a fake or partial frame without it is not taken as a main frame.
  if (!('parent' in frame) || frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

/** Links the page may hand to the system browser (opened outside the app, never in a window of ours). */
export function isExternalLink(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Permissions a page of ours may get: writing to the clipboard (copy buttons). Everything else is denied. */
export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl);
}
