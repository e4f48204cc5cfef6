// The recording that is on: its file, its own TrafficLog (the same batching as the live log: one
// transaction per flush, never a write on the broker's turn beyond queueing), the sink the tap feeds,
// and for a recording of the embedded broker, the broker's changes (state-recorder.ts).
import type { RecordingInfo } from '../../shared/contract/recordings.js';
import type { Broker } from '../broker/index.js';
import type { SqliteDatabase } from '../store/db.js';
import type { StoreError } from '../store/errors.js';
import { TrafficLog } from '../store/traffic-log.js';
import type { TrafficEntry } from '../store/traffic-rows.js';
import type { TrafficSink } from '../tap/traffic-tap.js';
import { nowUs } from '../tap/packet-entry.js';
import { type RecordingRow, countPackets, readRow, toInfo, updateRow } from './recording-file.js';
import { BrokerStateRecorder } from './state-recorder.js';

/** Whole payloads and no pruning: a recording loses nothing (the live log keeps 256 KiB and a budget). */
const KEEP_EVERYTHING = { payloadCapBytes: Number.POSITIVE_INFINITY, budgetBytes: Number.POSITIVE_INFINITY };

export class Recorder {
  readonly log: TrafficLog;
  readonly sink: TrafficSink;
  private current: RecordingRow;
  private readonly state: BrokerStateRecorder | null;
  /** The last packet queued, its id, and whether the turn that queued it is still running. */
  private lastEntry: TrafficEntry | null = null;
  private lastPacket = 0;
  private inPacketTurn = false;

  /**
   * `db` is a freshly created recording file (snapshot written); the recorder owns it from now on.
   * `broker`: the embedded broker whose changes to record (null for a named client's recording).
   */
  constructor(readonly db: SqliteDatabase, broker: Broker | null, onError: (error: StoreError) => void) {
    this.log = new TrafficLog(db, { ...KEEP_EVERYTHING, onError });
    this.current = readRow(db);
    const log = this.log;
    const only = this.current.client;
    this.sink = only === null
      ? (entry: TrafficEntry) => {
          this.lastPacket = log.append(entry) || this.lastPacket;
          this.lastEntry = entry;
          if (this.inPacketTurn) return;
          this.inPacketTurn = true;
          queueMicrotask(() => {
            this.inPacketTurn = false;
          });
        }
      : (entry: TrafficEntry) => {
          if (entry.side === 'client' && entry.connection === only) log.append(entry);
        };
    this.state = broker ? new BrokerStateRecorder(db, broker, this, onError) : null;
  }

  /**
   * The first packet at which a change of the broker's state made now shows: the packet being handled
   * (the broker changes its state in the same turn as it handles the packet that caused it), else the
   * next one (a socket closed, a timer fired, the workbench's API: nothing recorded caused it).
   */
  showsFrom(): number {
    return this.inPacketTurn ? this.lastPacket : this.lastPacket + 1;
  }

  /**
   * The id of the PUBLISH just recorded, if it is what the broker is storing as retained now (same turn,
   * topic and bytes): the change then points at its payload instead of keeping a second copy.
   */
  payloadRecord(topic: string, payload: Buffer): number | null {
    const e = this.lastEntry;
    const same = this.inPacketTurn && e !== null && e.side === 'broker' && e.direction === 'in' && e.type === 'publish' &&
      e.topic === topic && e.payload !== null && e.payload.equals(payload);
    return same ? this.lastPacket : null;
  }

  /** Writes everything queued (before a read of the file). */
  flush(): void {
    this.log.flush();
    this.state?.flush();
  }

  get id(): string {
    return this.current.id;
  }

  get row(): RecordingRow {
    return this.current;
  }

  info(): RecordingInfo {
    const stats = this.log.stats(); // flushes first, so the counts are the file's
    return toInfo(this.current, { recording: true, packets: stats.records, bytes: stats.bytes });
  }

  /** Changes the row (a rename, or the source once the recording client has connected). */
  update(change: Partial<Pick<RecordingRow, 'name' | 'notes' | 'source'>>): void {
    updateRow(this.db, change);
    this.current = readRow(this.db);
  }

  /**
   * Writes what is queued, the end time and count, checkpoints the WAL into the file and closes it:
   * the file is then complete on its own. The caller has removed the sink already.
   */
  stop(stoppedBecause: string | null = null): RecordingRow {
    this.state?.stop();
    this.log.close();
    updateRow(this.db, { ended_us: nowUs(), packets: countPackets(this.db), stopped_because: stoppedBecause });
    const row = readRow(this.db);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    return row;
  }
}
