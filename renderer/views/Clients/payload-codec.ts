// Payloads as the user types them (text, JSON, hex, base64): the same checks the core makes, run while
// typing so the problem shows before Publish; and conversion when the user switches format.
import { asText, base64Bytes, hex } from '../../lib/format.js';

export const EDIT_FORMATS = ['text', 'json', 'hex', 'base64'] as const;
export type EditFormat = (typeof EDIT_FORMATS)[number];

/** Why `data` is not a valid payload in `format`, or null. */
export function payloadProblem(format: EditFormat, data: string): string | null {
  switch (format) {
    case 'text':
      return null;
    case 'json':
      return jsonProblem(data);
    case 'hex':
      return hexProblem(data);
    case 'base64':
      return base64Problem(data);
  }
}

function jsonProblem(data: string): string | null {
  if (data.trim() === '') return 'the JSON payload is empty';
  try {
    JSON.parse(data);
    return null;
  } catch (error) {
    return `invalid JSON: ${(error as Error).message}`;
  }
}

function hexProblem(data: string): string | null {
  for (const group of data.split(/\s+/).filter((g) => g !== '')) {
    const bad = group.search(/[^0-9a-fA-F]/);
    if (bad >= 0) return `"${group[bad]}" is not a hex digit`;
    if (group.length % 2 !== 0) return `hex needs two digits per byte: "${group.slice(0, 16)}" has an odd number of digits`;
  }
  return null;
}

function base64Problem(data: string): string | null {
  const compact = data.replace(/[\r\n]+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return 'only A–Z, a–z, 0–9, +, / and "=" padding at the end';
  if (compact.length % 4 !== 0) return `base64 comes in groups of 4 characters (${compact.length} is not a multiple of 4)`;
  return null;
}

/** The bytes of a valid payload; null when it is not valid in its format. */
export function payloadToBytes(format: EditFormat, data: string): Uint8Array | null {
  if (payloadProblem(format, data) !== null) return null;
  switch (format) {
    case 'text':
    case 'json':
      return new TextEncoder().encode(data);
    case 'hex': {
      const digits = data.replace(/\s+/g, '');
      const bytes = new Uint8Array(digits.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
      return bytes;
    }
    case 'base64':
      return base64Bytes(data.replace(/[\r\n]+/g, ''));
  }
}

/** The same bytes written in another format; the data unchanged when that is not possible. */
export function convertPayload(from: EditFormat, to: EditFormat, data: string): string {
  if (from === to || data === '') return data;
  const bytes = payloadToBytes(from, data);
  if (!bytes) return data;
  switch (to) {
    case 'hex':
      return hex(bytes);
    case 'base64': {
      let binary = '';
      for (const b of bytes) binary += String.fromCharCode(b);
      return btoa(binary);
    }
    case 'text':
    case 'json':
      return asText(bytes) ?? data;
  }
}
