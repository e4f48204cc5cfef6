// Splits the byte stream into whole MQTT packets by their fixed header, before mqtt-packet decodes them.
// So a packet over the size limit is refused from its header alone, and every decoded packet keeps its
// exact bytes (for the packet events, and for what mqtt-packet's object form cannot hold).

export type FrameProblem = { kind: 'malformed'; message: string } | { kind: 'too large'; size: number };

export class PacketFramer {
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes needed before the held data can hold a whole packet (or a whole fixed header). */
  private needed = 0;
  private atFirstPacket = true;

  constructor(private readonly maxPacketSize: number) {}

  /** Calls `onPacket` with each whole packet in order; returns a problem that ends the stream. */
  push(chunk: Buffer, onPacket: (bytes: Buffer) => void): FrameProblem | null {
    let data = chunk;
    if (this.heldBytes > 0) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes < this.needed) return null;
      data = Buffer.concat(this.held, this.heldBytes);
      this.held = [];
      this.heldBytes = 0;
    }
    let offset = 0;
    while (offset < data.length) {
      // Judge the first byte now: garbage must not make us wait for a length it made up.
      const headerProblem = firstByteProblem(data[offset], this.atFirstPacket);
      this.atFirstPacket = false;
      if (headerProblem) return { kind: 'malformed', message: headerProblem };
      const size = packetSize(data, offset);
      if (typeof size === 'object') return size;
      if (size > this.maxPacketSize) return { kind: 'too large', size };
      const available = data.length - offset;
      if (size === 0 || size > available) {
        // Keep the start of the next packet until enough has arrived.
        this.held = [data.subarray(offset)];
        this.heldBytes = available;
        this.needed = size === 0 ? available + 1 : size;
        return null;
      }
      onPacket(data.subarray(offset, offset + size));
      offset += size;
    }
    return null;
  }
}

/** Types 1–15 with the flags §2.1.3 fixes (PUBLISH has its own); the first packet must be a CONNECT [MQTT-3.1.0-1]. */
function firstByteProblem(byte: number, first: boolean): string | null {
  const type = byte >> 4;
  if (first && byte !== 0x10) return 'the first packet is not a CONNECT [MQTT-3.1.0-1]';
  if (type === 0) return 'packet type 0 is reserved';
  if (type === 3) {
    if ((byte & 0x06) === 0x06) return 'PUBLISH with QoS 3 [MQTT-3.3.1-4]';
    return (byte & 0x0e) === 0x08 ? 'DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]' : null;
  }
  const flags = type === 6 || type === 8 || type === 10 ? 0x2 : 0x0;
  return (byte & 0x0f) === flags ? null : `wrong fixed header flags 0x${(byte & 0x0f).toString(16)} for packet type ${type} [MQTT-2.2.2-2]`;
}

/** The whole size of the packet starting at `offset`, 0 if its header is not complete yet. */
function packetSize(data: Buffer, offset: number): number | FrameProblem {
  let remaining = 0;
  for (let i = 0; i < 4; i++) {
    const at = offset + 1 + i;
    if (at >= data.length) return 0;
    const byte = data[at];
    if (byte === 0 && i > 0) return { kind: 'malformed', message: 'remaining length not in its shortest form [MQTT-1.5.5-1]' };
    remaining += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return 1 + (i + 1) + remaining;
  }
  return { kind: 'malformed', message: 'remaining length longer than 4 bytes' };
}
