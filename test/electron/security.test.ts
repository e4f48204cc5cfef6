// The sender check, the app origin, the CSP and the permission/link rules of the desktop window.
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN, APP_START_URL, appContentSecurityPolicy, isAppUrl, isExternalLink, isPermissionAllowed, isTrustedSender,
  type SenderFrameLike,
} from '../../main/electron/security.js';
import { CALL_CHANNEL, EVENTS_CHANNEL, serveOverIpc, type IpcEventLike, type IpcMainLike } from '../../main/transport/ipc.js';

const mainFrame = (url: string): SenderFrameLike => ({ url, parent: null });
const subFrame = (url: string): SenderFrameLike => ({ url, parent: mainFrame(APP_START_URL) });

describe('isTrustedSender', () => {
  it('accepts the main frame of the app\'s own pages', () => {
    expect(APP_ORIGIN).toBe('app://workbench');
    expect(isTrustedSender({ senderFrame: mainFrame(APP_START_URL) })).toBe(true);
    expect(isTrustedSender({ senderFrame: mainFrame('app://workbench/') })).toBe(true);
    expect(isTrustedSender({ senderFrame: mainFrame('app://workbench/index.html#/timeline?x=1') })).toBe(true);
  });

  it.each([
    ['another host on our scheme', 'app://evil/index.html'],
    ['our host with a port', 'app://workbench:8080/index.html'],
    ['user info before our host', 'app://evil@workbench/index.html'],
    ['a look-alike host', 'app://workbench.evil/index.html'],
    ['file://', 'file:///work/main/out/renderer/index.html'],
    ['the serve UI on loopback', 'http://127.0.0.1:8080/'],
    ['localhost', 'http://localhost:5173/'],
    ['a remote page', 'https://evil.example/'],
    ['a data: URL', 'data:text/html,<script>1</script>'],
    ['about:blank', 'about:blank'],
    ['devtools', 'devtools://devtools/bundled/inspector.html'],
    ['an empty URL', ''],
    ['not a URL', 'workbench/index.html'],
  ])('refuses %s', (_what, url) => {
    expect(isTrustedSender({ senderFrame: mainFrame(url) })).toBe(false);
  });

  it('refuses sub-frames, even of our origin', () => {
    expect(isTrustedSender({ senderFrame: subFrame(APP_START_URL) })).toBe(false);
  });

  it('refuses a missing, null or partial sender frame', () => {
    expect(isTrustedSender({})).toBe(false);
    expect(isTrustedSender({ senderFrame: null })).toBe(false);
    // No `parent` at all: cannot tell it is a main frame.
    expect(isTrustedSender({ senderFrame: { url: APP_START_URL } })).toBe(false);
  });

  it('is what serveOverIpc applies: an untrusted frame gets "forbidden" and the core is never called', async () => {
    const handlers = new Map<string, (event: IpcEventLike, frame: unknown) => Promise<unknown>>();
    const ipc: IpcMainLike = { handle: (c, l) => void handlers.set(c, l), removeHandler: (c) => void handlers.delete(c) };
    let called = 0;
    const core = { call: async () => { called++; return []; }, onEvents: () => () => {} };
    const stop = serveOverIpc(core as never, ipc, { send: () => {}, isDestroyed: () => false }, isTrustedSender);
    const frame = { id: 1, cmd: 'clients.list', input: {} };
    const handler = handlers.get(CALL_CHANNEL)!;
    expect(await handler({ senderFrame: mainFrame('http://127.0.0.1:8080/') } as IpcEventLike, frame)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await handler({ senderFrame: subFrame(APP_START_URL) } as IpcEventLike, frame)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(called).toBe(0);
    expect(await handler({ senderFrame: mainFrame(APP_START_URL) } as IpcEventLike, frame)).toMatchObject({ ok: true });
    expect(called).toBe(1);
    stop();
    expect(handlers.size).toBe(0);
    expect(EVENTS_CHANNEL).toBe('workbench:events');
  });
});

/** directive → sources, e.g. "script-src" → ["'self'"]. */
function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...sources] = d.split(/\s+/);
    return [name!, sources];
  }));
}

describe('the app\'s Content-Security-Policy', () => {
  const csp = appContentSecurityPolicy();
  const map = directives(csp);

  it('defaults to the app\'s own origin, scripts included', () => {
    expect(map.get('default-src')).toEqual(["'self'"]);
    expect(map.get('script-src')).toEqual(["'self'"]);
    expect(map.get('connect-src')).toEqual(["'self'"]);
  });

  it('allows no eval, no inline scripts, no wasm eval, no remote or wildcard sources, no ws: over IPC', () => {
    for (const banned of ["'unsafe-eval'", "'wasm-unsafe-eval'", "'unsafe-hashes'", '*', 'http:', 'https:', 'ws:', 'wss:', 'file:', 'blob:']) {
      expect([...map.values()].flat(), banned).not.toContain(banned);
    }
    expect(map.get('script-src')).not.toContain("'unsafe-inline'");
    expect(csp).not.toMatch(/https?:\/\/|127\.0\.0\.1|localhost/);
  });

  it('closes plugins, framing, base and forms', () => {
    expect(map.get('object-src')).toEqual(["'none'"]);
    expect(map.get('frame-ancestors')).toEqual(["'none'"]);
    expect(map.get('frame-src')).toEqual(["'none'"]);
    expect(map.get('base-uri')).toEqual(["'none'"]);
    expect(map.get('form-action')).toEqual(["'none'"]);
    expect(map.get('worker-src')).toEqual(["'none'"]);
  });

  it('only relaxes inline styles (Svelte style attributes) and data: images', () => {
    expect(map.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(map.get('img-src')).toEqual(["'self'", 'data:']);
    const relaxed = [...map].filter(([, s]) => s.some((x) => x !== "'self'" && x !== "'none'")).map(([n]) => n);
    expect(relaxed.sort()).toEqual(['img-src', 'style-src']);
  });
});

describe('links and permissions', () => {
  it('hands only http(s) links to the system browser', () => {
    expect(isExternalLink('https://mqtt.org/')).toBe(true);
    expect(isExternalLink('http://example.com/x')).toBe(true);
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://server/share', 'app://workbench/', 'ms-settings:', 'not a url']) {
      expect(isExternalLink(url), url).toBe(false);
    }
  });

  it('grants clipboard writes to our pages and nothing else to anyone', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', APP_START_URL)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', APP_ORIGIN)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'hid', 'serial', 'usb']) {
      expect(isPermissionAllowed(p, APP_START_URL), p).toBe(false);
    }
  });

  it('knows the app\'s own URLs', () => {
    expect(isAppUrl(APP_START_URL)).toBe(true);
    expect(isAppUrl('app://workbench')).toBe(true);
    expect(isAppUrl('app://other/')).toBe(false);
    expect(isAppUrl('https://workbench/')).toBe(false);
  });
});
