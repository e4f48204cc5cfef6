// Payload and time formatting for display. Payloads arrive as base64 and may be cut (payloadSize says
// how big they really are); everything here returns plain strings, rendered as text, never as HTML.

export function base64Bytes(base64: string | null): Uint8Array {
  if (!base64) return new Uint8Array(0);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or null when they are not valid UTF-8 (show hex then). */
export function asText(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** One line for lists: text if it is text, else hex; long ones end with an ellipsis. */
export function preview(base64: string | null, size: number, max = 80): string {
  const bytes = base64Bytes(base64);
  const text = asText(bytes);
  const shown = text !== null ? text.replace(/\s+/g, ' ') : hex(bytes.subarray(0, Math.ceil(max / 3)));
  const cut = shown.length > max || bytes.length < size;
  return cut ? `${shown.slice(0, max)}…` : shown;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Lines of `offset  hex  ascii`, `perRow` bytes each (8 fits a narrow panel). */
export function hexDump(bytes: Uint8Array, perRow = 16): string[] {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += perRow) {
    const row = bytes.subarray(offset, offset + perRow);
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex(row).padEnd(perRow * 3 - 1)}  ${ascii}`);
  }
  return lines;
}

/** "first 4 KiB of 1.2 MiB" when a payload was cut for display; null when it is whole. */
export function cutNote(shownBytes: number, size: number): string | null {
  return shownBytes < size ? `first ${bytesText(shownBytes)} of ${bytesText(size)}` : null;
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** HH:MM:SS.mmm local time of an epoch-µs stamp. */
export function clock(timeUs: number): string {
  const d = new Date(timeUs / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
