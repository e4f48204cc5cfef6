// The committed icons (npm run icons, from build/icon.svg): every size electron-builder looks for, and
// ICO/ICNS containers whose entries are PNGs of the sizes their headers claim.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const build = resolve(import.meta.dirname, '../../build');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width, height and colour type from a PNG's IHDR chunk (6 = RGBA). */
function png(data: Buffer) {
  expect(data.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(data.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20), colourType: data[25] };
}

describe('icons', () => {
  it('has the source and a square RGBA PNG for every Linux size', () => {
    expect(existsSync(resolve(build, 'icon.svg'))).toBe(true);
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      expect(png(readFileSync(resolve(build, 'icons', `${size}x${size}.png`)))).toEqual({ width: size, height: size, colourType: 6 });
    }
    expect(png(readFileSync(resolve(build, 'icon.png')))).toMatchObject({ width: 512, height: 512 });
  });

  it('icon.ico holds PNGs from 16 to 256 px, as its directory says', () => {
    const ico = readFileSync(resolve(build, 'icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const sizes: number[] = [];
    for (let i = 0; i < ico.readUInt16LE(4); i++) {
      const at = 6 + 16 * i;
      const size = ico[at] || 256;
      const image = ico.subarray(ico.readUInt32LE(at + 12), ico.readUInt32LE(at + 12) + ico.readUInt32LE(at + 8));
      expect(png(image)).toMatchObject({ width: size, height: size });
      sizes.push(size);
    }
    expect(sizes).toEqual(expect.arrayContaining([16, 32, 48, 256]));
  });

  it('icon.icns holds PNGs for its types, up to 1024 px', () => {
    const icns = readFileSync(resolve(build, 'icon.icns'));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const expected: Record<string, number> = { icp4: 16, icp5: 32, ic11: 32, ic12: 64, ic07: 128, ic13: 256, ic08: 256, ic14: 512, ic09: 512, ic10: 1024 };
    const found: Record<string, number> = {};
    for (let at = 8; at < icns.length;) {
      const type = icns.toString('latin1', at, at + 4);
      const length = icns.readUInt32BE(at + 4);
      found[type] = png(icns.subarray(at + 8, at + length)).width;
      at += length;
    }
    expect(found).toEqual(expected);
  });
});
