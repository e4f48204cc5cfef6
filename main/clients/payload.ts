// A payload as the user typed it (text, JSON, hex, base64 or a file path) → the bytes to publish.
import { open } from 'node:fs/promises';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { PayloadInput } from '../../shared/contract/mqtt-values.js';
import { jsonProblem } from './json-problem.js';

/** Larger files are refused: the whole payload is held in memory and MQTT caps a packet at 256 MiB. */
export const MAX_FILE_PAYLOAD = 256 * 1024 * 1024;

/**
 * The bytes of a payload. `field` is where the payload sits in the command's input ('payload',
 * 'will.payload'), so the error can point at it.
 */
export async function payloadBytes(input: PayloadInput, field = 'payload'): Promise<Buffer> {
  const fail = (message: string): never => {
    throw new WorkbenchError('invalid-input', message, [{ path: `${field}.data`, message }]);
  };
  switch (input.format) {
    case 'text':
      return Buffer.from(input.data, 'utf8');
    case 'json':
      return jsonBytes(input.data, fail);
    case 'hex':
      return hexBytes(input.data, fail);
    case 'base64':
      return base64Bytes(input.data, fail);
    case 'file':
      return fileBytes(input.data, fail);
  }
}

type Fail = (message: string) => never;

function jsonBytes(text: string, fail: Fail): Buffer {
  if (text.trim() === '') fail('the JSON payload is empty');
  try {
    JSON.parse(text);
  } catch (error) {
    const problem = jsonProblem(text);
    fail(problem
      ? `invalid JSON at line ${problem.line}, column ${problem.column}: ${problem.message}`
      : `invalid JSON: ${(error as Error).message}`);
  }
  // The bytes are the text as typed: the user's formatting is part of what they want to send.
  return Buffer.from(text, 'utf8');
}

function hexBytes(text: string, fail: Fail): Buffer {
  // Whitespace may separate bytes ("0a 1b\n2c"), not split one.
  const groups = text.split(/\s+/).filter((g) => g !== '');
  let offset = 0;
  for (const group of groups) {
    const bad = group.search(/[^0-9a-fA-F]/);
    if (bad >= 0) {
      fail(`"${group[bad]}" is not a hex digit (position ${text.indexOf(group, offset) + bad + 1})`);
    }
    if (group.length % 2 !== 0) {
      fail(`hex needs two digits per byte: "${group.length > 16 ? `${group.slice(0, 16)}…` : group}" has an odd number of digits`);
    }
    offset = text.indexOf(group, offset) + group.length;
  }
  return Buffer.from(groups.join(''), 'hex');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64Bytes(text: string, fail: Fail): Buffer {
  // Line breaks are allowed (wrapped base64, as PEM and MIME write it); anything else outside the alphabet is not.
  const compact = text.replace(/[\r\n]+/g, '');
  if (!BASE64.test(compact)) {
    const at = compact.search(/[^A-Za-z0-9+/=]/);
    fail(at >= 0
      ? `"${compact[at]}" is not a base64 character (position ${at + 1} without line breaks)`
      : '"=" padding may only appear at the end, at most twice');
  }
  if (compact.length % 4 !== 0) {
    fail(`base64 comes in groups of 4 characters: ${compact.length} is not a multiple of 4 (is padding "=" missing?)`);
  }
  return Buffer.from(compact, 'base64');
}

async function fileBytes(path: string, fail: Fail): Promise<Buffer> {
  if (path.trim() === '') fail('no file chosen for the payload');
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    return fail(`cannot read "${path}": ${fileReason(error)}`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) fail(`"${path}" is a folder, not a file`);
    if (stat.size > MAX_FILE_PAYLOAD) {
      fail(`"${path}" is ${mib(stat.size)}; a payload file may be at most ${mib(MAX_FILE_PAYLOAD)}`);
    }
    return await handle.readFile();
  } catch (error) {
    if (error instanceof WorkbenchError) throw error;
    return fail(`cannot read "${path}": ${fileReason(error)}`);
  } finally {
    await handle.close();
  }
}

/** A readable reason for a file error ("no such file" rather than "ENOENT: …"). */
export function fileReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a folder, not a file';
    default: return (error as Error).message;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}
