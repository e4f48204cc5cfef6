#!/usr/bin/env node
// `npm run icons`: every icon electron-builder needs, from the one source build/icon.svg. Rasterised by
// Debian's headless Chromium (playwright-core), then packed by hand: build/icons/NxN.png (Linux),
// build/icon.png (512), build/icon.ico (PNG entries, Windows Vista+) and build/icon.icns (PNG entries, macOS).
// The outputs are committed, so packaging never needs a browser.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BUILD = fileURLToPath(new URL('../build/', import.meta.url));
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS types whose data may be a PNG, and their pixel size (the @2x types are the Retina ones). */
const ICNS_TYPES = [['icp4', 16], ['icp5', 32], ['ic11', 32], ['ic12', 64], ['ic07', 128], ['ic13', 256], ['ic08', 256], ['ic14', 512], ['ic09', 512], ['ic10', 1024]];

async function rasterise(svg) {
  const profile = mkdtempSync(join(tmpdir(), 'icons-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
  try {
    const page = await browser.newPage();
    const pngs = new Map();
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    for (const size of SIZES) {
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}img{display:block}</style><img width="${size}" height="${size}" src="${src}">`);
      await page.locator('img').evaluate((img) => img.decode());
      pngs.set(size, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
    }
    return pngs;
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** ICO: a 6-byte header, 16 bytes per image, then the PNGs themselves (little-endian). */
export function ico(entries) {
  const header = Buffer.alloc(6 + 16 * entries.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(entries.length, 4);
  let offset = header.length;
  entries.forEach(([size, png], i) => {
    const at = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, at); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, at + 1);
    header.writeUInt16LE(1, at + 4); // planes
    header.writeUInt16LE(32, at + 6); // bits per pixel
    header.writeUInt32LE(png.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...entries.map(([, png]) => png)]);
}

/** ICNS: 'icns' + total length, then per image its type, length (header included) and PNG (big-endian). */
export function icns(entries) {
  const chunks = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + chunks.reduce((n, c) => n + c.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

async function main() {
  const pngs = await rasterise(readFileSync(join(BUILD, 'icon.svg'), 'utf8'));
  mkdirSync(join(BUILD, 'icons'), { recursive: true });
  for (const [size, png] of pngs) writeFileSync(join(BUILD, 'icons', `${size}x${size}.png`), png);
  writeFileSync(join(BUILD, 'icon.png'), pngs.get(512));
  writeFileSync(join(BUILD, 'icon.ico'), ico(ICO_SIZES.map((s) => [s, pngs.get(s)])));
  writeFileSync(join(BUILD, 'icon.icns'), icns(ICNS_TYPES.map(([type, s]) => [type, pngs.get(s)])));
  console.log(`icons: ${SIZES.length} PNG sizes, icon.png, icon.ico, icon.icns in ${BUILD}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
