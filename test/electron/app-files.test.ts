// What the app:// protocol serves: files under out/renderer only, whatever the path holds, with the CSP.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerAppRequest } from '../../main/electron/app-files.js';
import { appContentSecurityPolicy } from '../../main/electron/security.js';

describe('app:// files', () => {
  let base = '';
  let root = '';
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'app-files-'));
    root = join(base, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'assets', 'index-1.js'), 'export {}');
    writeFileSync(join(base, 'secret.txt'), 'outside');
    mkdirSync(join(base, 'renderer-evil'));
    writeFileSync(join(base, 'renderer-evil', 'x.js'), 'sibling with a common prefix');
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const get = (url: string) => answerAppRequest(root, url, 'GET');

  it('serves the renderer\'s files with their type, nosniff and the app\'s CSP', () => {
    const answer = get('app://workbench/assets/index-1.js');
    expect(answer).toMatchObject({ status: 200, file: join(root, 'assets', 'index-1.js') });
    expect(answer.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-security-policy': appContentSecurityPolicy(),
    });
    expect(get('app://workbench/').file).toBe(join(root, 'index.html'));
    expect(get('app://workbench/index.html').headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it.each([
    'app://workbench/../secret.txt',
    'app://workbench/%2e%2e/secret.txt',
    'app://workbench/%2E%2E/secret.txt',
    'app://workbench/assets/%2e%2e/%2e%2e/secret.txt',
    'app://workbench/..%2fsecret.txt',
    'app://workbench/%2e%2e%2fsecret.txt',
    'app://workbench/..%5csecret.txt',
    'app://workbench/%2e%2e%5csecret.txt',
    'app://workbench/%2e%2e/renderer-evil/x.js',
    'app://workbench//etc/passwd',
    'app://workbench/%2Fetc%2Fpasswd',
  ])('never leaves the renderer folder: %s', (url) => {
    const answer = get(url);
    // Unknown paths get index.html (client-side routes), never a file outside.
    expect(answer.file === null || answer.file === join(root, 'index.html')).toBe(true);
  });

  it('does not throw on a NUL byte (index.html), answers 404 for a broken escape, other hosts and schemes', () => {
    expect(get('app://workbench/index.html%00.js').file).toBe(join(root, 'index.html'));
    expect(get('app://workbench/%E0%A4%A').status).toBe(404);
    expect(get('app://other/index.html').status).toBe(404);
    expect(get('file:///etc/passwd').status).toBe(404);
    expect(get('not a url').status).toBe(404);
  });

  it('takes GET and HEAD only', () => {
    expect(answerAppRequest(root, 'app://workbench/index.html', 'HEAD').status).toBe(200);
    const post = answerAppRequest(root, 'app://workbench/index.html', 'POST');
    expect(post).toMatchObject({ status: 405, file: null, headers: { allow: 'GET, HEAD' } });
    expect(post.headers['content-security-policy']).toBe(appContentSecurityPolicy());
  });
});
