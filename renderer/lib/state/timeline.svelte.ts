// The live packet timeline: a bounded ring of the newest packets, paused or live, with filters.
import type { EventBatch } from '../../../shared/contract/events.js';
import type { PacketType, TrafficRecord } from '../../../shared/contract/traffic.js';
import { topicMatches } from '../../../shared/mqtt/topic.js';

/** Packets kept in memory for the timeline; older ones are in the traffic log. */
export const TIMELINE_CAPACITY = 5000;

export interface TimelineFilter {
  /** Lanes (named clients / broker connections) to show; empty: all. */
  connections: string[];
  /** MQTT topic filter; empty: all. Packets without a topic always pass. */
  topic: string;
  /** Packet types to show; empty: all. */
  types: PacketType[];
}

export class TimelineState {
  records = $state.raw<TrafficRecord[]>([]);
  paused = $state(false);
  /** Packets the core left out of batches (flood), and packets that arrived while paused. */
  skipped = $state(0);
  filter = $state<TimelineFilter>({ connections: [], topic: '', types: [] });
  visible = $derived(this.records.filter((r) => passes(r, this.filter)));

  apply(batch: EventBatch): void {
    const incoming: TrafficRecord[] = [];
    for (const event of batch.events) if (event.type === 'packet') incoming.push(event.record);
    if (this.paused) {
      this.skipped += incoming.length + batch.droppedPackets;
      return;
    }
    if (batch.droppedPackets > 0) this.skipped += batch.droppedPackets;
    if (incoming.length === 0) return;
    const all = this.records.concat(incoming);
    this.records = all.length > TIMELINE_CAPACITY ? all.slice(all.length - TIMELINE_CAPACITY) : all;
  }

  clear(): void {
    this.records = [];
    this.skipped = 0;
  }
}

export function passes(record: TrafficRecord, filter: TimelineFilter): boolean {
  if (filter.connections.length > 0 && !filter.connections.includes(record.connection)) return false;
  if (filter.types.length > 0 && !filter.types.includes(record.type)) return false;
  if (filter.topic && record.topic !== null && !safeMatches(filter.topic, record.topic)) return false;
  return true;
}

function safeMatches(filter: string, topic: string): boolean {
  try {
    return topicMatches(filter, topic);
  } catch {
    return false;
  }
}
