// End-to-end: the built renderer (out/renderer) served by a real workbench over the real WebSocket face,
// driven in Debian's headless Chromium through playwright-core.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWebSocketFace, type WebSocketFace } from '../../main/transport/websocket.js';
import { Workbench, type WorkbenchOptions } from '../../main/workbench/workbench.js';

export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));
export const DOCS_DIR = fileURLToPath(new URL('../../docs', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

export interface E2E {
  workbench: Workbench;
  face: WebSocketFace;
  browser: Browser;
  page: Page;
  /** Browser console errors and warnings (Svelte's runtime warnings among them) and uncaught page errors seen so far. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function startE2E(options: WorkbenchOptions = {}): Promise<E2E> {
  if (!existsSync(`${RENDERER_DIR}/index.html`)) {
    throw new Error(`${RENDERER_DIR} is not built: run \`npm run build\` first (npm test does)`);
  }
  const workbench = await Workbench.start({
    broker: { tcp: { host: '127.0.0.1', port: 0 }, ws: { host: '127.0.0.1', port: 0, path: '/mqtt' }, sysInterval: 0 },
    dataDir: null,
    ...options,
  });
  const face = await startWebSocketFace(workbench, { host: '127.0.0.1', port: 0, token: null, staticDir: RENDERER_DIR });
  // playwright gives every launch a fresh, temporary user-data dir.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 20_000,
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(8000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(message.text());
  });
  await page.goto(face.url);
  await page.getByText('connected', { exact: true }).waitFor();
  return {
    workbench, face, browser, page, pageErrors,
    close: async () => {
      await browser.close();
      await face.close();
      await workbench.close();
    },
  };
}

/** Saves a screenshot of the page under docs/ (shown in the README). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(DOCS_DIR, { recursive: true });
  await page.screenshot({ path: `${DOCS_DIR}/${name}.png` });
}
