import { chmodSync, mkdtempSync, mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { payloadBytes } from '../../main/clients/index.js';
import { WorkbenchError } from '../../shared/contract/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'mqttwb-payload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The WorkbenchError a payload fails with. */
async function failure(format: 'text' | 'json' | 'hex' | 'base64' | 'file', data: string, field?: string): Promise<WorkbenchError> {
  const error = await payloadBytes({ format, data }, field).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkbenchError);
  const wb = error as WorkbenchError;
  expect(wb.code).toBe('invalid-input');
  expect(wb.issues?.[0]?.path).toBe(`${field ?? 'payload'}.data`);
  expect(wb.issues?.[0]?.message).toBe(wb.message);
  return wb;
}

describe('payload: text and JSON', () => {
  it('text is UTF-8', async () => {
    expect(await payloadBytes({ format: 'text', data: 'héllo ✓' })).toEqual(Buffer.from('héllo ✓', 'utf8'));
    expect(await payloadBytes({ format: 'text', data: '' })).toEqual(Buffer.alloc(0));
  });

  it('json keeps the text as typed', async () => {
    const typed = '{\n  "a": [1, 2.5e3, true, null],  "b": "\\u00e9"\n}';
    expect((await payloadBytes({ format: 'json', data: typed })).toString()).toBe(typed);
  });

  it('invalid json says where it fails', async () => {
    expect((await failure('json', '{"a": 1,\n  "b": }')).message).toBe('invalid JSON at line 2, column 8: expected a value, found "}"');
    expect((await failure('json', '{"a" 1}')).message).toMatch(/line 1, column 6: expected ":"/);
    expect((await failure('json', "{'a': 1}")).message).toMatch(/line 1, column 2: expected a property name in double quotes/);
    expect((await failure('json', '[1, 2')).message).toMatch(/line 1, column 6: expected "," or "\]", found the end of the text/);
    expect((await failure('json', '{"a": 1} x')).message).toMatch(/column 10: unexpected "x" after the end/);
    expect((await failure('json', '"abc')).message).toMatch(/string is not closed/);
    expect((await failure('json', '[01]')).message).toMatch(/column 3: expected "," or "\]"/);
    expect((await failure('json', '"a\\qb"')).message).toMatch(/unknown escape \\q/);
    expect((await failure('json', '   ')).message).toBe('the JSON payload is empty');
  });

  it('deep nesting does not overflow', async () => {
    const deep = '['.repeat(100_000);
    expect((await failure('json', deep)).message).toMatch(/^invalid JSON at line 1, column 100001/);
  });
});

describe('payload: hex', () => {
  it('accepts bytes separated by spaces and newlines, either case', async () => {
    expect(await payloadBytes({ format: 'hex', data: '00 ff\n0A1b \t 7f' })).toEqual(Buffer.from([0, 0xff, 0x0a, 0x1b, 0x7f]));
    expect(await payloadBytes({ format: 'hex', data: '' })).toEqual(Buffer.alloc(0));
  });

  it('refuses odd lengths and bad digits', async () => {
    expect((await failure('hex', 'abc')).message).toMatch(/two digits per byte: "abc" has an odd number/);
    expect((await failure('hex', '00 f 11')).message).toMatch(/"f" has an odd number/);
    expect((await failure('hex', '00 1g')).message).toBe('"g" is not a hex digit (position 5)');
    expect((await failure('hex', '0x10')).message).toMatch(/"x" is not a hex digit/);
  });
});

describe('payload: base64', () => {
  it('decodes padded, unpadded-to-4 and wrapped base64', async () => {
    expect(await payloadBytes({ format: 'base64', data: 'AAEC/w==' })).toEqual(Buffer.from([0, 1, 2, 0xff]));
    expect(await payloadBytes({ format: 'base64', data: 'aGVs\nbG8=' })).toEqual(Buffer.from('hello'));
    expect(await payloadBytes({ format: 'base64', data: '' })).toEqual(Buffer.alloc(0));
  });

  it('refuses invalid characters, misplaced padding and bad lengths', async () => {
    expect((await failure('base64', 'aGV*bG8=')).message).toBe('"*" is not a base64 character (position 4 without line breaks)');
    expect((await failure('base64', 'aG Vs')).message).toMatch(/" " is not a base64 character/);
    expect((await failure('base64', 'aGVs-_')).message).toMatch(/"-" is not a base64 character/);
    expect((await failure('base64', 'aG=s')).message).toMatch(/padding may only appear at the end/);
    expect((await failure('base64', 'aGVsbG8')).message).toMatch(/7 is not a multiple of 4/);
  });
});

describe('payload: file', () => {
  it('reads the file bytes', async () => {
    const path = join(dir, 'blob.bin');
    const bytes = Buffer.from([0, 1, 2, 250, 251, 0]);
    writeFileSync(path, bytes);
    expect(await payloadBytes({ format: 'file', data: path })).toEqual(bytes);
  });

  it('names the path when it cannot read it', async () => {
    const missing = join(dir, 'nope.bin');
    expect((await failure('file', missing)).message).toBe(`cannot read "${missing}": no such file`);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect((await failure('file', folder, 'will.payload')).message).toMatch(/is a folder|it is a folder/);
    expect((await failure('file', '')).message).toBe('no file chosen for the payload');
  });

  it.skipIf(process.getuid?.() === 0)('unreadable file → permission denied', async () => {
    const locked = join(dir, 'locked.bin');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    expect((await failure('file', locked)).message).toBe(`cannot read "${locked}": permission denied`);
  });

  it('refuses files over the cap without reading them', async () => {
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    // A sparse file: its size is over the cap, its disk use nothing.
    truncateSync(big, 256 * 1024 * 1024 + 1);
    expect((await failure('file', big)).message).toMatch(/is 256\.0 MiB; a payload file may be at most 256 MiB/);
  });
});
