// Events for the faces: at most one batch per cadence tick with everything since the last. Bounded:
// packet events beyond a cap are counted, not kept (they are in the traffic log); state events are
// coalesced by what they describe, so only the latest state of each client/session/topic travels.
import type { EventBatch, WorkbenchEvent } from '../../shared/contract/events.js';

export interface BatcherOptions {
  /** Milliseconds between batches (50–100). */
  cadenceMs?: number;
  /** Packet events kept per batch. */
  maxPackets?: number;
}

type Listener = (batch: EventBatch) => void;

export class EventBatcher {
  private packets: WorkbenchEvent[] = [];
  private droppedPackets = 0;
  private state = new Map<string, WorkbenchEvent>();
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private readonly cadenceMs: number;
  private readonly maxPackets: number;

  constructor(options: BatcherOptions = {}) {
    this.cadenceMs = options.cadenceMs ?? 100;
    this.maxPackets = options.maxPackets ?? 2000;
  }

  /** False when a packet event would only be counted: callers can skip building it. */
  get wantsPackets(): boolean {
    return this.listeners.size > 0 && this.packets.length < this.maxPackets;
  }

  get listening(): boolean {
    return this.listeners.size > 0;
  }

  push(event: WorkbenchEvent): void {
    if (this.listeners.size === 0) return;
    if (event.type === 'packet') {
      if (this.packets.length < this.maxPackets) this.packets.push(event);
      else this.droppedPackets++;
    } else {
      const key = stateKey(event);
      this.state.delete(key); // re-insert: the batch keeps the order of last change
      this.state.set(key, event);
    }
  }

  /** Counts a packet event that was not built because wantsPackets was false. */
  countDropped(): void {
    if (this.listeners.size > 0) this.droppedPackets++;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    this.timer ??= setInterval(() => this.flush(), this.cadenceMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Sends what has accumulated (nothing when there is nothing). */
  flush(): void {
    if (this.packets.length === 0 && this.state.size === 0 && this.droppedPackets === 0) return;
    const batch: EventBatch = {
      seq: ++this.seq,
      time: Date.now(),
      events: [...this.state.values(), ...this.packets],
      droppedPackets: this.droppedPackets,
    };
    this.packets = [];
    this.state = new Map();
    this.droppedPackets = 0;
    for (const listener of this.listeners) listener(batch);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.packets = [];
    this.state = new Map();
    this.droppedPackets = 0;
  }
}

function stateKey(event: Exclude<WorkbenchEvent, { type: 'packet' }>): string {
  switch (event.type) {
    case 'client': return `client:${event.client.profile.name}`;
    case 'client-removed': return `client:${event.name}`;
    case 'session': return `session:${event.session.clientId}`;
    case 'session-removed': return `session:${event.clientId}`;
    case 'retained': return `retained:${event.topic}`;
    case 'broker': return 'broker';
    case 'counters': return 'counters';
    case 'recording': return `recording:${event.recording.id}`;
    case 'recording-removed': return `recording:${event.id}`;
    case 'replay': return 'replay';
  }
}
