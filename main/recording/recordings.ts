// Every recording this workbench holds (one .mqttrec file each in its recordings folder) and the one
// being recorded, if any: what the recording.* commands act on.
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkbenchError } from '../../shared/contract/errors.js';
import { FORMAT_WITH_CHANGES } from '../../shared/contract/recording-format.js';
import { RecordingId, type ExportFormat, type RecordingInfo, type RecordingSnapshot, type SessionAt } from '../../shared/contract/recordings.js';
import { TrafficQuery, type TrafficPage, type TrafficRecord, type TrafficSide } from '../../shared/contract/traffic.js';
import type { RetainedEntry } from '../../shared/contract/broker.js';
import type { Broker } from '../broker/index.js';
import type { ClientRegistry } from '../clients/index.js';
import type { SqliteDatabase } from '../store/db.js';
import type { StoreError } from '../store/errors.js';
import { migrate } from '../store/migrate.js';
import type { TrafficQueryOptions } from '../store/traffic-query.js';
import type { TrafficSink } from '../tap/traffic-tap.js';
import { nowUs } from '../tap/packet-entry.js';
import { DEFAULT_MIN_FREE_BYTES, lowDisk } from './disk-guard.js';
import { exportRecords } from './export-file.js';
import { RECORDING_EXTENSION, RECORDING_MIGRATIONS } from './format.js';
import { Readers } from './readers.js';
import { Recorder } from './recorder.js';
import {
  type RecordingRow, closeUnfinished, createRecordingFile, fileBytes, openRecordingFile, readRow, toInfo, updateRow,
} from './recording-file.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { packetAt, retainedAt, sessionsAt } from './state-at.js';
import { exportCopy, importCopy, removeWithCompanions, STAGING_PREFIX } from './transfer.js';

/** How often the free disk space is checked while recording. */
const DISK_CHECK_MS = 2000;
/** Longer than any payload a recording keeps (they are kept whole). */
const WHOLE_PAYLOAD = 0x7fffffff;

export interface RecordingsOptions {
  /** Where the files live; null: a temporary folder, removed at close (a memory-only workbench). */
  dir: string | null;
  broker: Broker;
  clients: ClientRegistry;
  /** The tap's addSink: how a recording gets every packet. */
  addSink: (sink: TrafficSink) => () => void;
  /** Told when a recording cannot be written or a file in the folder cannot be read. */
  onError: (error: Error) => void;
  /** A recording is refused, or stopped, when less than this is free on its disk (DEFAULT_MIN_FREE_BYTES). */
  minFreeBytes?: number;
}

export interface StartRequest {
  name: string;
  notes: string;
  client?: string | undefined;
  filter?: string | undefined;
  qos: 0 | 1 | 2;
}

export interface RecordingsEvents {
  changed: [RecordingInfo];
  removed: [id: string];
}

interface Active {
  recorder: Recorder;
  removeSink: () => void;
  /** Checks the free disk space while it records. */
  diskCheck: ReturnType<typeof setInterval>;
  /** What to undo at stop: the subscription made for the recording. */
  subscribed: { client: string; filter: string } | null;
}

export class Recordings extends EventEmitter<RecordingsEvents> {
  readonly dir: string;
  private readonly temporary: boolean;
  private readonly rows = new Map<string, RecordingRow>();
  private readonly readers: Readers;
  private active: Active | null = null;
  /** Exports under way, by id: delete waits for none of them, it refuses; stop waits. */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly options: RecordingsOptions) {
    super();
    this.temporary = options.dir === null;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mqtt-workbench-recordings-'));
    mkdirSync(this.dir, { recursive: true });
    this.readers = new Readers((id) => this.fileOf(id));
    this.scan();
  }

  list(): RecordingInfo[] {
    return [...this.rows.keys()].map((id) => this.info(id)).sort((a, b) => a.startedUs - b.startedUs);
  }

  /** The one being recorded, with fresh counts; null when none is. */
  activeInfo(): RecordingInfo | null {
    return this.active ? this.active.recorder.info() : null;
  }

  /** A named client that records alone must keep its name (the recording picks its packets by it). */
  assertClientFree(name: string, change: 'rename' | 'delete'): void {
    const row = this.active?.recorder.row;
    if (row?.client === name) {
      throw new WorkbenchError('conflict', `client "${name}" is recording "${row.name}"; stop the recording before you ${change} the client`);
    }
  }

  async start(request: StartRequest): Promise<RecordingInfo> {
    if (this.active) {
      throw new WorkbenchError('conflict', `recording "${this.active.recorder.info().name}" is on; stop it before starting another`);
    }
    const client = request.client === undefined ? null : this.options.clients.get(request.client);
    // A disconnected client is connected by the recording (so its CONNECT and CONNACK are in it); one
    // that is on its way already is not interrupted.
    const connectFirst = client !== null && request.filter !== undefined && ['disconnected', 'error'].includes(client.info().state);
    if (client && request.filter !== undefined && !connectFirst && client.info().state !== 'connected') {
      throw new WorkbenchError('not-connected', `client "${client.name}" is ${client.info().state}; wait until it is connected before it records "${request.filter}"`);
    }
    const low = lowDisk(this.dir, this.minFreeBytes);
    if (low) throw new WorkbenchError('io-error', `cannot start a recording: ${low}`);
    const id = newId();
    const db = createRecordingFile(this.fileOf(id), {
      id, name: request.name, notes: request.notes, started_us: nowUs(),
      source: client ? client.info().url ?? `named client ${client.name}` : 'embedded broker',
      client: client?.name ?? null, filter: request.filter ?? null,
    });
    let recorder: Recorder;
    try {
      // A named client records an outside broker: this broker's state is not what it sees.
      if (!client) writeSnapshot(db, this.options.broker);
      recorder = new Recorder(db, client ? null : this.options.broker, (error: StoreError) => this.options.onError(error));
    } catch (error) {
      db.close();
      removeWithCompanions(this.fileOf(id));
      throw error;
    }
    // From here on synchronously: no packet falls between the snapshot and the first record.
    this.active = { recorder, removeSink: this.options.addSink(recorder.sink), diskCheck: this.watchDisk(), subscribed: null };
    this.rows.set(id, readRow(db));
    if (client && request.filter !== undefined) {
      try {
        if (connectFirst) {
          await client.connect();
          recorder.update({ source: client.info().url ?? `named client ${client.name}` });
          this.rows.set(id, recorder.row);
        }
        const result = await client.subscribe({ filter: request.filter, qos: request.qos });
        const code = result.granted[0] ?? 0x80;
        if (code >= 0x80) throw new WorkbenchError('mqtt-error', `the broker refused the subscription to "${request.filter}" (reason code 0x${code.toString(16)})`);
        this.active.subscribed = { client: client.name, filter: request.filter };
      } catch (error) {
        await this.stop();
        this.delete(id);
        throw error;
      }
    }
    const info = recorder.info();
    this.emit('changed', info);
    return info;
  }

  /** Stops the recording that is on; `because` says why when nobody asked (kept with it). */
  async stop(because: string | null = null): Promise<RecordingInfo> {
    const active = this.active;
    if (!active) throw new WorkbenchError('conflict', 'no recording is on');
    const id = active.recorder.id;
    await this.busy.get(id); // an export copying the file finishes first
    if (this.active !== active) throw new WorkbenchError('conflict', 'the recording was stopped meanwhile');
    active.removeSink();
    clearInterval(active.diskCheck);
    this.active = null;
    this.rows.set(id, active.recorder.stop(because));
    if (active.subscribed) {
      const { client, filter } = active.subscribed;
      // The subscription was the recording's: undo it, best effort (the client may be gone).
      void Promise.resolve().then(() => this.options.clients.get(client).unsubscribe(filter)).catch(() => {});
    }
    const info = this.info(id);
    this.emit('changed', info);
    return info;
  }

  rename(id: string, name: string, notes: string | undefined): RecordingInfo {
    this.row(id);
    if (this.active?.recorder.id === id) {
      this.active.recorder.update({ name, notes });
      this.rows.set(id, this.active.recorder.row);
    } else {
      if (this.busy.has(id)) throw new WorkbenchError('conflict', 'this recording is being exported; rename it once that is done');
      this.readers.close(id);
      const db = openRecordingFile(this.fileOf(id), false);
      try {
        updateRow(db, { name, notes });
        this.rows.set(id, readRow(db));
      } finally {
        db.close();
      }
    }
    const info = this.info(id);
    this.emit('changed', info);
    return info;
  }

  delete(id: string): void {
    this.row(id);
    if (this.active?.recorder.id === id) throw new WorkbenchError('conflict', 'this recording is on; stop it before deleting it');
    if (this.busy.has(id)) throw new WorkbenchError('conflict', 'this recording is being exported; delete it once that is done');
    this.readers.close(id);
    removeWithCompanions(this.fileOf(id));
    this.rows.delete(id);
    this.emit('removed', id);
  }

  query(id: string, query: TrafficQueryOptions): TrafficPage {
    this.row(id);
    if (this.active?.recorder.id === id) return this.active.recorder.log.query(query);
    return this.readers.get(id).queries.page(query);
  }

  /**
   * A recording's records, oldest first, with whole payloads, a page at a time (a replay or a scrub
   * reads a long recording without holding it, and the event loop turns between pages).
   */
  async *records(id: string, filter: Partial<Pick<TrafficQueryOptions, 'side' | 'types' | 'connections' | 'topic' | 'fromUs' | 'toUs'>> = {}): AsyncGenerator<TrafficRecord> {
    let cursor: number | undefined;
    do {
      const page = this.query(id, { ...TrafficQuery.parse({ order: 'asc', limit: 1000 }), ...filter, payloadBytes: WHOLE_PAYLOAD, ...(cursor ? { cursor } : {}) });
      yield* page.records;
      cursor = page.next ?? undefined;
      await nextTurn();
    } while (cursor !== undefined);
  }

  /** The retained store at packet `atPacket` (0: at the start), payloads cut to `payloadBytes`. */
  retainedAt(id: string, atPacket: number, payloadBytes = WHOLE_PAYLOAD): RetainedEntry[] {
    return retainedAt(this.stateDb(id), atPacket, payloadBytes);
  }

  /** The broker's sessions at packet `atPacket`. */
  sessionsAt(id: string, atPacket: number): SessionAt[] {
    return sessionsAt(this.stateDb(id), atPacket);
  }

  /** The id of the last packet at or before `atUs` (0: none). */
  packetAt(id: string, atUs: number): number {
    return packetAt(this.db(id), atUs);
  }

  snapshot(id: string, payloadBytes: number): RecordingSnapshot {
    this.row(id);
    return readSnapshot(this.db(id), payloadBytes);
  }

  /** A consistent copy at `path` (also of the recording being recorded: what it holds so far). */
  async export(id: string, path: string, format: ExportFormat = 'mqttrec', side?: TrafficSide): Promise<{ path: string; bytes: number }> {
    const row = this.row(id);
    if (this.busy.has(id)) throw new WorkbenchError('conflict', 'this recording is being exported already');
    const recorder = this.active?.recorder.id === id ? this.active.recorder : null;
    recorder?.flush();
    // pcapng holds one side: a named client's recording has only the client's.
    const copy = format === 'mqttrec'
      ? exportCopy(recorder ? recorder.db : this.readers.get(id).db, path)
      : exportRecords(this.records(id), path, format, side ?? (row.client ? 'client' : 'broker'));
    this.busy.set(id, copy.catch(() => {}));
    try {
      return await copy;
    } finally {
      this.busy.delete(id);
    }
  }

  /** Checks the file, then adds it under a new id; a file that fails a check leaves nothing behind. */
  async import(path: string): Promise<RecordingInfo> {
    const id = newId();
    this.rows.set(id, await importCopy(path, this.dir, id, this.fileOf(id)));
    const info = this.info(id);
    this.emit('changed', info);
    return info;
  }

  /** Stops the recording (its file complete), closes the files; a temporary folder is removed. */
  async close(): Promise<void> {
    if (this.active) await this.stop().catch((error: Error) => this.options.onError(error));
    await Promise.all(this.busy.values());
    this.readers.closeAll();
    if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
  }

  private get minFreeBytes(): number {
    return this.options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  }

  /** Stops the recording, saying why, once its disk is down to the floor. */
  private watchDisk(): ReturnType<typeof setInterval> {
    const timer = setInterval(() => {
      const low = lowDisk(this.dir, this.minFreeBytes);
      if (!low || !this.active) return;
      clearInterval(timer); // once: stopping may wait for an export
      this.options.onError(new Error(`recording "${this.active.recorder.row.name}" stopped: ${low}`));
      void this.stop(`the disk ran low: ${low}`).catch((error: Error) => this.options.onError(error));
    }, DISK_CHECK_MS);
    timer.unref();
    return timer;
  }

  private info(id: string): RecordingInfo {
    if (this.active?.recorder.id === id) return this.active.recorder.info();
    const row = this.row(id);
    return toInfo(row, { recording: false, packets: row.packets, bytes: fileBytes(this.fileOf(id)) });
  }

  /** The file to read (the one being recorded: what it holds so far, everything queued written first). */
  private db(id: string): SqliteDatabase {
    if (this.active?.recorder.id !== id) return this.readers.get(id).db;
    this.active.recorder.flush();
    return this.active.recorder.db;
  }

  /** The file, if it holds the embedded broker's changes; a clear error otherwise. */
  private stateDb(id: string): SqliteDatabase {
    const row = this.row(id);
    if (row.client !== null) {
      throw new WorkbenchError('conflict', `"${row.name}" was recorded by the named client ${row.client} from ${row.source}: ` +
        "it holds that client's packets, not the broker's state");
    }
    if (row.format_version < FORMAT_WITH_CHANGES) {
      throw new WorkbenchError('conflict', `"${row.name}" is in recording format ${row.format_version}, which kept the broker's ` +
        `state at the start only; the state at a later point needs format ${FORMAT_WITH_CHANGES}`);
    }
    return this.db(id);
  }

  private row(id: string): RecordingRow {
    const row = this.rows.get(id);
    if (!row) throw new WorkbenchError('not-found', `no recording with id "${id}"`);
    return row;
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}${RECORDING_EXTENSION}`);
  }

  /**
   * Lists the folder's recordings. One that never stopped (the app was killed) is closed at its last
   * packet; leftovers of an interrupted import are removed; a file that cannot be read is reported and skipped.
   */
  private scan(): void {
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (name.startsWith(STAGING_PREFIX)) {
        rmSync(path, { force: true });
        continue;
      }
      if (!name.endsWith(RECORDING_EXTENSION)) continue;
      const id = name.slice(0, -RECORDING_EXTENSION.length);
      if (!RecordingId.safeParse(id).success) {
        this.options.onError(new Error(`${path} is not listed: a recording's file name is its id (letters, digits, _ and -) and ${RECORDING_EXTENSION}`));
        continue;
      }
      try {
        const db = openRecordingFile(path, false);
        try {
          migrate(db, RECORDING_MIGRATIONS); // an older format gains the newer tables (empty)
          closeUnfinished(db);
          if (readRow(db).id !== id) updateRow(db, { id });
          this.rows.set(id, readRow(db));
        } finally {
          db.close();
        }
      } catch (error) {
        this.options.onError(new Error(`recording ${path} cannot be read and is not listed (${(error as Error).message})`));
      }
    }
  }
}

/** Sortable by creation and readable in a file listing: 20261128-143005-3fa9c1. */
function newId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
