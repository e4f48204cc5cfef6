// A byte-level TCP peer for malformed-packet tests: writes exact bytes, reads exact bytes or whole
// MQTT frames (no decoding, so nothing the broker sends is hidden or normalised), sees when the broker closes.
import { connect as netConnect, type Socket } from 'node:net';
import { withTimeout } from './broker.js';

export function hex(bytes: Buffer): string {
  return bytes.toString('hex').replace(/(..)/g, '$1 ').trim();
}

export function fromHex(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: "${text}"`);
  return Buffer.from(clean, 'hex');
}

/** Length of the first whole frame in `buf` (fixed header + remaining length), or null when incomplete. */
export function frameLength(buf: Buffer): number | null {
  let value = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    if (i >= buf.length) return null;
    const byte = buf[i];
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return buf.length >= 1 + i + value ? 1 + i + value : null;
  }
  throw new Error(`the broker sent a malformed remaining length: ${hex(buf.subarray(0, 5))}`);
}

export class ByteClient {
  /** Bytes received and not yet consumed. */
  private buffer = Buffer.alloc(0);
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    // 'end' is the broker's FIN: the broker has closed its side; net then closes ours.
    socket.on('end', () => this.markClosed());
    socket.on('close', () => this.markClosed());
    socket.on('error', () => {}); // ECONNRESET / EPIPE after the broker closed are expected here
  }

  static open(port: number, host = '127.0.0.1'): Promise<ByteClient> {
    return withTimeout(new Promise((resolve, reject) => {
      const socket = netConnect(port, host, () => {
        socket.removeListener('error', reject);
        resolve(new ByteClient(socket));
      });
      socket.setNoDelay(true);
      socket.once('error', reject);
    }), 3000, 'TCP connect');
  }

  private markClosed(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `ready()` holds (checked on every arrival and on close). */
  private until(ready: () => boolean, ms: number, what: () => string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // The message is built when the time is up, so it shows what had arrived by then.
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what()}`)), ms);
      const check = () => {
        if (!ready()) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      check();
    });
  }

  /** Unconsumed bytes received so far. */
  get pending(): Buffer {
    return this.buffer;
  }

  write(bytes: Buffer): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.socket.write(bytes);
    return true;
  }

  /** Resolves when the socket can take more (or is closed): lets a trickle follow the broker's pace. */
  drained(ms = 3000): Promise<void> {
    if (this.closed || !this.socket.writableNeedDrain) return Promise.resolve();
    return withTimeout(new Promise<void>((resolve) => {
      const done = () => resolve();
      this.socket.once('drain', done);
      this.socket.once('close', done);
    }), ms, 'the socket to drain');
  }

  /** The next `n` bytes, or fewer if the broker closed first (consumed either way). */
  async read(n: number, ms = 3000): Promise<Buffer> {
    await this.until(() => this.buffer.length >= n || this.closed, ms, () => `${n} bytes (have ${this.buffer.length}: ${hex(this.buffer)})`);
    const out = this.buffer.subarray(0, Math.min(n, this.buffer.length));
    this.buffer = this.buffer.subarray(out.length);
    return out;
  }

  /** The next whole frame, or null when the broker closed without sending one (consumed). */
  async frame(ms = 3000): Promise<Buffer | null> {
    await this.until(() => frameLength(this.buffer) !== null || this.closed, ms, () => `a whole frame (have ${hex(this.buffer)})`);
    const n = frameLength(this.buffer);
    if (n === null) return null;
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /**
   * Waits until the broker closes or sends something, whichever comes first (so a broker that answers
   * instead of closing fails at once); resolves with the unconsumed bytes and whether it has closed.
   */
  async closeOrBytes(ms = 3000): Promise<{ closed: boolean; bytes: Buffer }> {
    await this.until(() => this.closed || this.buffer.length > 0, ms, () => 'the broker to close the connection (nothing arrived either)');
    const bytes = this.buffer;
    this.buffer = Buffer.alloc(0);
    return { closed: this.closed, bytes };
  }

  /** Waits for the broker to close; resolves with whatever arrived and was not consumed before that. */
  async closedWith(ms = 3000): Promise<Buffer> {
    await this.until(() => this.closed, ms, () => `the broker to close the connection (received ${hex(this.buffer) || 'nothing'})`);
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
