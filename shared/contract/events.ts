// The event stream: batches, at most one per cadence tick (50–100 ms), carrying everything since the last.
import type { BrokerStatus, Counters, SessionInfo } from './broker.js';
import type { ClientInfo } from './clients.js';
import type { RecordingInfo, ReplayStatus } from './recordings.js';
import type { TrafficRecord } from './traffic.js';

export type WorkbenchEvent =
  /** A packet on the broker or a named client (also written to the traffic log). */
  | { type: 'packet'; record: TrafficRecord }
  /** A named client was created, changed state, subscribed… (its whole current info). */
  | { type: 'client'; client: ClientInfo }
  | { type: 'client-removed'; name: string }
  /** A broker session was created, connected, went offline or ended. */
  | { type: 'session'; session: SessionInfo }
  | { type: 'session-removed'; clientId: string }
  | { type: 'retained'; topic: string; change: 'set' | 'cleared' }
  | { type: 'broker'; status: BrokerStatus }
  | { type: 'counters'; counters: Counters }
  /** A recording started, stopped, was renamed or imported; while recording, its counts about once a second. */
  | { type: 'recording'; recording: RecordingInfo }
  | { type: 'recording-removed'; id: string }
  /** A replay's progress: at most about ten a second, and each change of state. */
  | { type: 'replay'; replay: ReplayStatus };

export interface EventBatch {
  /** Increases by one per batch: a gap means this receiver missed one (e.g. its socket was backed up). */
  seq: number;
  /** Epoch ms when the batch was cut. */
  time: number;
  events: WorkbenchEvent[];
  /**
   * Packet events left out of this batch to keep it bounded (the flood case). They are still in the
   * traffic log; query it to see them.
   */
  droppedPackets: number;
}
