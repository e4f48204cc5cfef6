// Which traffic records are "the recorded messages" a replay publishes again, decoded for publishing.
//
// The rule:
// - Broker side first: the PUBLISHes the broker received ('broker' side, 'in'), i.e. what every client,
//   named or outside, published. Deliveries ('out') are copies of those, and a will delivery is nobody's
//   PUBLISH: both are broker 'out', so they are never taken.
// - Without any broker-side 'in' PUBLISH (a recording of an outside broker made through a named client
//   subscribed to '#'), the PUBLISHes the named clients received ('client' side, 'in').
// - A retransmission is skipped: a PUBLISH with dup set whose connection + packet id is still in flight
//   (taken, and not yet completed by the PUBACK/PUBCOMP going back on the same connection). The broker
//   does not deliver a QoS 2 resend twice either [MQTT-4.3.3-10].
// - A PUBLISH sent with an MQTT 5 topic alias and no topic gets the topic that alias was last given on
//   that connection (aliases start afresh at each CONNECT); one whose alias was never set is skipped.
// - A payload the records carry only in part (decoded length < payloadSize) cannot be replayed faithfully:
//   by default that is an error (CutPayloadError, naming the record); with cutPayloads: 'skip' the record
//   is skipped and reported to onSkip.
import type { TrafficRecord, TrafficSide } from '../../shared/contract/traffic.js';
import { topicMatches } from '../../shared/mqtt/topic.js';
import { recordedTopicAlias, replayProperties, type ReplayProperties } from './replay-properties.js';

export type MessageSource = TrafficSide;

/** One message to publish again, in recording order. */
export interface ReplayMessage {
  /** The traffic record it came from. */
  recordId: number;
  /** When it was recorded, epoch µs. */
  timeUs: number;
  /** Who published it (broker side: client id; client side: the named client that received it). */
  connection: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: ReplayProperties;
}

export type SkipReason = 'retransmission' | 'cut-payload' | 'unknown-topic-alias';

export interface SelectOptions {
  /** Which side's PUBLISHes; 'auto' (the default) applies the rule above. */
  source?: MessageSource | 'auto';
  /** Only messages of these connections (client ids, or named clients on the client side). */
  connections?: readonly string[];
  /** Only messages whose topic matches this MQTT topic filter. */
  topic?: string;
  /** What a cut payload does: 'error' (the default) throws CutPayloadError, 'skip' skips it. */
  cutPayloads?: 'error' | 'skip';
  /** Told of every record skipped, and why (filtered-out records are not "skipped"). */
  onSkip?: (record: TrafficRecord, reason: SkipReason) => void;
}

export class CutPayloadError extends Error {
  constructor(readonly record: TrafficRecord, readonly bytesKept: number) {
    super(`record ${record.id} (PUBLISH to '${record.topic ?? ''}' by ${record.connection}) holds ${bytesKept} of its `
      + `${record.payloadSize} payload bytes: it cannot be replayed as it was (read the records with whole payloads, or skip cut ones)`);
    this.name = 'CutPayloadError';
  }
}

const isIncomingPublish = (r: TrafficRecord, side: MessageSource) => r.type === 'publish' && r.side === side && r.direction === 'in';

/** The side whose PUBLISHes are the recorded messages: 'broker' when it received any, else 'client'. */
export function messageSourceOf(records: Iterable<TrafficRecord>): MessageSource {
  for (const r of records) if (isIncomingPublish(r, 'broker')) return 'broker';
  return 'client';
}

/** The recorded messages of records held in memory, in order. */
export function recordedMessages(records: Iterable<TrafficRecord>, options: SelectOptions = {}): ReplayMessage[] {
  const list = Array.isArray(records) ? (records as TrafficRecord[]) : [...records];
  const source = !options.source || options.source === 'auto' ? messageSourceOf(list) : options.source;
  const selector = new MessageSelector(source, options);
  const out: ReplayMessage[] = [];
  for (const r of list) {
    const message = selector.take(r);
    if (message) out.push(message);
  }
  return out;
}

/**
 * The recorded messages of a stream of records (e.g. traffic-log pages), in order. With source 'auto',
 * client-side records are held until a broker-side PUBLISH in shows up (then dropped) or the stream ends
 * (then replayed): pass the source when it is known, so a long client-side recording is not held.
 */
export async function* selectMessages(
  records: Iterable<TrafficRecord> | AsyncIterable<TrafficRecord>, options: SelectOptions = {},
): AsyncGenerator<ReplayMessage> {
  const fixed = options.source && options.source !== 'auto' ? options.source : null;
  const broker = new MessageSelector(fixed ?? 'broker', options);
  let held: TrafficRecord[] | null = fixed ? null : [];
  for await (const r of records) {
    if (held && isIncomingPublish(r, 'broker')) held = null;
    if (held && r.side === 'client') held.push(r);
    const message = broker.take(r);
    if (message) yield message;
  }
  if (held) {
    const client = new MessageSelector('client', options);
    for (const r of held) {
      const message = client.take(r);
      if (message) yield message;
    }
  }
}

/** Takes records one at a time, in order, and returns the ones that are recorded messages of `side`. */
export class MessageSelector {
  private readonly aliases = new TopicAliases();
  /** `connection \0 packetId` of QoS 1/2 messages taken and not yet acknowledged. */
  private readonly inFlight = new Set<string>();
  private readonly connections: Set<string> | null;

  constructor(private readonly side: MessageSource, private readonly options: SelectOptions = {}) {
    this.connections = options.connections ? new Set(options.connections) : null;
  }

  take(r: TrafficRecord): ReplayMessage | null {
    if (r.side !== this.side) return null;
    if (r.type === 'connect') this.aliases.reset(r.connection);
    if ((r.type === 'puback' || r.type === 'pubcomp') && r.direction === 'out' && r.packetId !== null) {
      this.inFlight.delete(flightKey(r.connection, r.packetId));
    }
    if (r.type !== 'publish' || r.direction !== 'in') return null;

    const topic = this.aliases.topicOf(r);
    // The broker refuses such a PUBLISH (and closes the connection): nothing was published.
    if (topic === null) return this.skip(r, 'unknown-topic-alias');
    if (r.qos && r.packetId !== null) {
      const key = flightKey(r.connection, r.packetId);
      if (r.dup && this.inFlight.has(key)) return this.skip(r, 'retransmission');
      this.inFlight.add(key);
    }
    if (this.connections && !this.connections.has(r.connection)) return null;
    if (this.options.topic !== undefined && !topicMatches(this.options.topic, topic)) return null;

    const payload = r.payload ? Buffer.from(r.payload, 'base64') : Buffer.alloc(0);
    if (payload.length < r.payloadSize) {
      if (this.options.cutPayloads === 'skip') return this.skip(r, 'cut-payload');
      throw new CutPayloadError(r, payload.length);
    }
    const properties = replayProperties(r.fields);
    return {
      recordId: r.id, timeUs: r.timeUs, connection: r.connection,
      topic, payload, qos: r.qos ?? 0, retain: r.retain,
      ...(properties ? { properties } : {}),
    };
  }

  private skip(r: TrafficRecord, reason: SkipReason): null {
    this.options.onSkip?.(r, reason);
    return null;
  }
}

const flightKey = (connection: string, packetId: number) => `${connection}\u0000${packetId}`;

/** MQTT 5 topic aliases a connection set, to name the topic of a PUBLISH that came with an alias only. */
export class TopicAliases {
  /** connection → topic alias → topic. */
  private readonly byConnection = new Map<string, Map<number, string>>();

  /** A CONNECT: a new network connection starts with no aliases [MQTT-3.3.2-7]. */
  reset(connection: string): void {
    this.byConnection.delete(connection);
  }

  /** The PUBLISH's topic (remembering an alias it sets); null when its alias was never set. */
  topicOf(r: TrafficRecord): string | null {
    const alias = recordedTopicAlias(r.fields);
    if (alias === undefined) return r.topic ?? '';
    let aliases = this.byConnection.get(r.connection);
    if (r.topic) {
      if (!aliases) this.byConnection.set(r.connection, (aliases = new Map()));
      aliases.set(alias, r.topic);
      return r.topic;
    }
    return aliases?.get(alias) ?? null;
  }
}
