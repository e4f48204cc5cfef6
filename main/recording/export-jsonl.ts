// Export as JSON Lines: one traffic record per line, exactly as the contract shapes it (payload base64),
// so any tool that reads lines of JSON (jq, pandas, a script) can take a recording apart.
import type { TrafficRecord } from '../../shared/contract/traffic.js';

/** Writes each record as one line of JSON; returns how many were written. */
export async function writeJsonLines(
  records: AsyncIterable<TrafficRecord> | Iterable<TrafficRecord>,
  out: NodeJS.WritableStream,
): Promise<number> {
  const writer = new ExportWriter(out);
  try {
    let count = 0;
    for await (const record of records) {
      await writer.write(`${JSON.stringify(record)}\n`);
      count++;
    }
    return count;
  } finally {
    writer.release();
  }
}

/**
 * Writes to a stream for the length of one export. When the stream's buffer is full it waits for
 * 'drain', so a slow disk or pipe holds the reader back instead of the export piling up in memory. An
 * error the stream emits (even between writes, where an 'error' without a listener would crash the
 * process) fails the next write; so does a stream that closed.
 */
export class ExportWriter {
  private failure: Error | null = null;
  private readonly onError = (error: Error) => {
    this.failure ??= error;
  };

  constructor(private readonly out: NodeJS.WritableStream) {
    out.on('error', this.onError);
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    this.check();
    if (this.out.write(chunk)) return;
    this.check();
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        this.out.removeListener('drain', done);
        this.out.removeListener('error', done);
        this.out.removeListener('close', done);
        if (this.failure) reject(this.failure);
        else if (this.destroyed()) reject(closed());
        else resolve();
      };
      this.out.on('drain', done);
      this.out.on('error', done); // after onError, which was added first and records it
      this.out.on('close', done);
    });
  }

  /** Stops listening; the stream is the caller's again (to end, or to keep writing to). */
  release(): void {
    this.out.removeListener('error', this.onError);
  }

  private check(): void {
    if (this.failure) throw this.failure;
    // A destroyed stream emits no more 'drain' or 'close': waiting for one would hang.
    if (this.destroyed()) throw closed();
  }

  private destroyed(): boolean {
    return (this.out as { destroyed?: boolean }).destroyed === true;
  }
}

function closed(): Error {
  return new Error('the output closed before the export finished');
}
