// MQTT's variable byte integer (§1.5.5): 7 bits a byte, least significant first, at most 4 bytes.
// (The framer reads remaining lengths itself: it must also tell "not arrived yet" from "malformed".)

export function readVarint(bytes: Buffer, at: number): { value: number; size: number } {
  let value = 0;
  let size = 0;
  let byte: number;
  do {
    byte = bytes[at + size];
    value += (byte & 0x7f) * 128 ** size;
    size++;
  } while (byte & 0x80 && size < 4);
  return { value, size };
}

export function varintSize(value: number): number {
  return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}

/** Writes `value` at `at`; returns the offset after it. */
export function writeVarint(out: Buffer, at: number, value: number): number {
  do {
    const byte = value % 128;
    value = Math.floor(value / 128);
    out[at++] = value > 0 ? byte | 0x80 : byte;
  } while (value > 0);
  return at;
}

export function varint(value: number): Buffer {
  const out = Buffer.allocUnsafe(varintSize(value));
  writeVarint(out, 0, value);
  return out;
}

/** Offset of a whole packet's variable header: after the type byte and the remaining length. */
export function bodyStart(packetBytes: Buffer): number {
  return 1 + readVarint(packetBytes, 1).size;
}
