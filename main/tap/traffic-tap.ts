// Fan-in of every packet, from the broker's connections and from the named clients: each one goes to
// the traffic log, to the live counters, and (while someone watches) to the event batcher.
import type { Packet } from 'mqtt-packet';
import type { TrafficDirection, TrafficRecord, TrafficSide } from '../../shared/contract/traffic.js';
import type { BrokerEventEmitter, PacketEvent } from '../broker/events.js';
import type { TrafficEntry, TrafficLog } from '../store/traffic-log.js';
import type { EventBatcher } from './batcher.js';
import type { RateCounters } from './counters.js';
import { nowUs, packetEntry } from './packet-entry.js';
import { encodedHead, packetHead } from './packet-head.js';

/** Payload bytes a live packet event carries; the log has the rest. */
const LIVE_PAYLOAD_BYTES = 4096;

/**
 * Also handed every packet, after the log (a recording's own log). Runs on the broker's hot path: it
 * must only queue, and must not throw.
 */
export type TrafficSink = (entry: TrafficEntry) => void;

export class TrafficTap {
  private detachBroker: (() => void) | null = null;
  /** Replaced, never changed in place, so a sink may remove itself while the list is being walked. */
  private sinks: readonly TrafficSink[] = [];

  constructor(
    private readonly log: TrafficLog,
    private readonly batcher: EventBatcher,
    private readonly counters: RateCounters,
  ) {}

  /** Starts taking the broker's packets (this switches on its packet events). */
  attachBroker(events: BrokerEventEmitter): void {
    const onIn = (e: PacketEvent) => this.brokerPacket(e, 'in');
    const onOut = (e: PacketEvent) => this.brokerPacket(e, 'out');
    events.on('packetIn', onIn);
    events.on('packetOut', onOut);
    this.detachBroker = () => {
      events.off('packetIn', onIn);
      events.off('packetOut', onOut);
    };
  }

  /** A packet a named client (speaking `protocolVersion`) sent or received. */
  clientPacket(name: string, direction: TrafficDirection, packet: Packet, protocolVersion: number, timeUs = nowUs()): void {
    this.record(packetEntry(packet, 'client', direction, name, timeUs, encodedHead(packet, protocolVersion)));
  }

  /** Adds a sink; returns the function that removes it again. */
  addSink(sink: TrafficSink): () => void {
    this.sinks = [...this.sinks, sink];
    return () => {
      this.sinks = this.sinks.filter((s) => s !== sink);
    };
  }

  detach(): void {
    this.detachBroker?.();
    this.detachBroker = null;
  }

  private brokerPacket(e: PacketEvent, direction: TrafficDirection): void {
    // A CONNECT is filed under the client id it asks for, so it sits with the rest of that client's traffic.
    const connection = e.clientId || (e.packet.cmd === 'connect' && e.packet.clientId) || `#${e.connectionId}`;
    if (e.packet.cmd === 'publish') this.counters.count(connection, e.packet.topic, direction);
    const entry = packetEntry(e.packet, 'broker', direction, connection, nowUs(), packetHead(e.packet, e.bytes));
    if (e.willOf !== undefined) entry.willOf = e.willOf;
    this.record(entry);
  }

  private record(entry: TrafficEntry): void {
    const id = this.log.append(entry);
    for (const sink of this.sinks) sink(entry);
    if (this.batcher.wantsPackets) this.batcher.push({ type: 'packet', record: liveRecord(id, entry) });
    else this.batcher.countDropped();
  }
}

export function liveRecord(id: number, entry: TrafficEntry): TrafficRecord {
  return {
    id,
    timeUs: entry.timeUs,
    side: entry.side as TrafficSide,
    direction: entry.direction,
    connection: entry.connection,
    type: entry.type,
    topic: entry.topic,
    qos: entry.qos,
    retain: entry.retain,
    dup: entry.dup,
    packetId: entry.packetId,
    reasonCode: entry.reasonCode,
    fields: entry.fields ?? {},
    payload: entry.payload ? entry.payload.subarray(0, LIVE_PAYLOAD_BYTES).toString('base64') : null,
    payloadSize: entry.payload?.length ?? 0,
    head: entry.head ? entry.head.toString('base64') : null,
    willOf: entry.willOf ?? null,
  };
}
