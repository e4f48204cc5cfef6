// Read-only connections to stopped recordings, kept open for the next page (a UI pages through a
// recording query by query) but only a few at a time.
import type { SqliteDatabase } from '../store/db.js';
import { TrafficQueries } from '../store/traffic-query.js';
import { openRecordingFile } from './recording-file.js';

const KEEP_OPEN = 4;

export interface Reader {
  db: SqliteDatabase;
  queries: TrafficQueries;
}

export class Readers {
  /** In order of last use, oldest first. */
  private readonly open = new Map<string, Reader>();

  constructor(private readonly fileOf: (id: string) => string) {}

  get(id: string): Reader {
    let reader = this.open.get(id);
    if (reader) this.open.delete(id);
    else {
      const db = openRecordingFile(this.fileOf(id), true);
      reader = { db, queries: new TrafficQueries(db) };
    }
    this.open.set(id, reader);
    for (const [oldest] of this.open) {
      if (this.open.size <= KEEP_OPEN) break;
      this.close(oldest);
    }
    return reader;
  }

  /** Before the file is changed, replaced or removed. */
  close(id: string): void {
    this.open.get(id)?.db.close();
    this.open.delete(id);
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }
}
