// While a recording of the embedded broker is on: every change the broker makes to its retained store
// and to its sessions goes into the recording, stamped with the first packet at which it shows, so the
// state at any packet can be rebuilt (state-at.ts). Like the traffic, rows are only queued on the
// broker's turn and written in one transaction per flush.
import { sessionInfo, sessionSubscriptions, type Broker } from '../broker/index.js';
import type { RetainedEvent } from '../broker/events.js';
import type { Session } from '../broker/session.js';
import type { SqliteDatabase } from '../store/db.js';
import { StoreError, describeCause } from '../store/errors.js';
import { encodeJson } from '../store/json-codec.js';
import { nowUs } from '../tap/packet-entry.js';

const FLUSH_DELAY_MS = 100;
/** Queue sizes change without an event (a queue event per message would be a flood of its own). */
const SAMPLE_MS = 1000;

/** What the changes are stamped with: the recorded packets (Recorder). */
export interface RecordedPackets {
  /** The id of the first packet at which a change made now shows. */
  showsFrom(): number;
  /** The id of the recorded PUBLISH that carries this retained payload, if the change is its doing. */
  payloadRecord(topic: string, payload: Buffer): number | null;
}

/** The columns of an INSERT into retained_changes, in its order (positional: cheaper to bind). */
type RetainedRow = [
  timeUs: number, fromPacket: number, topic: string, payload: Buffer | null, payloadPacket: number | null,
  qos: number | null, properties: string | null, publisher: string | null, receivedAt: number | null,
];
/** The columns of an INSERT into session_changes. */
type SessionRow = [timeUs: number, fromPacket: number, clientId: string, session: string | null, subscriptions: string | null];

/** What was last written for a session: a change that changes nothing is not written again. */
interface Written {
  session: string;
  subscriptions: string;
  queued: number;
  inflight: number;
}

export class BrokerStateRecorder {
  private retainedRows: RetainedRow[] = [];
  private sessionRows: SessionRow[] = [];
  private readonly written = new Map<string, Written>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly sampleTimer: ReturnType<typeof setInterval>;
  private readonly detach: () => void;
  private readonly writeAll: () => void;
  private failing = false;

  /**
   * Starts recording the changes of `broker` into `db` (its snapshot just written), stamped with what
   * `packets` says of the recorded packets.
   */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly broker: Broker,
    private readonly packets: RecordedPackets,
    private readonly onError: (error: StoreError) => void,
  ) {
    for (const session of broker.allSessions()) this.written.set(session.clientId, written(session));
    const insertRetained = db.prepare<RetainedRow>(
      'INSERT INTO retained_changes (time_us, from_packet, topic, payload, payload_packet, qos, properties, publisher, received_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertSession = db.prepare<SessionRow>(
      'INSERT INTO session_changes (time_us, from_packet, client_id, session, subscriptions) VALUES (?, ?, ?, ?, ?)',
    );
    this.writeAll = db.transaction(() => {
      for (const row of this.retainedRows) insertRetained.run(...row);
      for (const row of this.sessionRows) insertSession.run(...row);
    });

    const onSession = (e: { clientId: string }) => this.sessionChanged(e.clientId);
    const onRetained = (e: RetainedEvent) => this.retainedChanged(e);
    const { events } = broker;
    events.on('sessionChanged', onSession);
    events.on('clientConnected', onSession);
    events.on('clientDisconnected', onSession);
    events.on('subscriptionChanged', onSession);
    events.on('retainedChanged', onRetained);
    this.detach = () => {
      events.off('sessionChanged', onSession);
      events.off('clientConnected', onSession);
      events.off('clientDisconnected', onSession);
      events.off('subscriptionChanged', onSession);
      events.off('retainedChanged', onRetained);
    };
    this.sampleTimer = setInterval(() => this.sampleQueues(), SAMPLE_MS);
    this.sampleTimer.unref();
  }

  /** Writes what is queued now. */
  flush(): void {
    this.cancelFlush();
    if (this.retainedRows.length === 0 && this.sessionRows.length === 0) return;
    try {
      this.writeAll();
      this.failing = false;
    } catch (error) {
      this.report(error);
    }
    this.retainedRows = [];
    this.sessionRows = [];
  }

  /** Stops listening and writes what is queued. */
  stop(): void {
    this.detach();
    clearInterval(this.sampleTimer);
    this.flush();
  }

  private retainedChanged(e: RetainedEvent): void {
    const timeUs = nowUs();
    const fromPacket = this.packets.showsFrom();
    const m = e.change === 'set' ? e.message : undefined;
    if (!m) {
      this.queue(this.retainedRows, [timeUs, fromPacket, e.topic, null, null, null, null, null, null]);
      return;
    }
    const payloadPacket = this.packets.payloadRecord(m.topic, m.payload);
    this.queue(this.retainedRows, [
      timeUs, fromPacket, e.topic, payloadPacket === null ? m.payload : null, payloadPacket,
      m.qos, m.properties ? encodeJson(m.properties) : null, m.publisher, m.receivedAt,
    ]);
  }

  private sessionChanged(clientId: string): void {
    const session = this.broker.getSession(clientId);
    const before = this.written.get(clientId);
    if (!session) {
      if (!before) return;
      this.written.delete(clientId);
      this.queue(this.sessionRows, [nowUs(), this.packets.showsFrom(), clientId, null, null]);
      return;
    }
    const now = written(session);
    if (before && before.session === now.session && before.subscriptions === now.subscriptions) return;
    this.written.set(clientId, now);
    this.queue(this.sessionRows, [nowUs(), this.packets.showsFrom(), clientId, now.session, now.subscriptions]);
  }

  private sampleQueues(): void {
    for (const session of this.broker.allSessions()) {
      const before = this.written.get(session.clientId);
      if (!before || before.queued !== session.queuedCount || before.inflight !== session.inflight.size) {
        this.sessionChanged(session.clientId);
      }
    }
  }

  private queue<T>(rows: T[], row: T): void {
    rows.push(row);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_DELAY_MS);
      this.flushTimer.unref();
    }
  }

  private cancelFlush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private report(error: unknown): void {
    if (this.failing) return; // once per failing stretch, not once per flush
    this.failing = true;
    this.onError(new StoreError(
      'write-failed', this.db.name,
      `could not write the broker's changes to the recording ${this.db.name} (${describeCause(error)}); ` +
        'the retained and session views as of a point of this recording may miss them. Free disk space or check the file',
      { cause: error },
    ));
  }
}

function written(session: Session): Written {
  return {
    session: JSON.stringify(sessionInfo(session)),
    subscriptions: JSON.stringify(sessionSubscriptions(session)),
    queued: session.queuedCount,
    inflight: session.inflight.size,
  };
}
