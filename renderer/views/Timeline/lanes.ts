// The sequence diagram's geometry and words, as pure functions: which lane a packet belongs to, which
// way its arrow points, how it is labelled. No runes here; timeline-view.svelte.ts holds the state.
import type { ClientInfo } from '../../../shared/contract/clients.js';
import type { TrafficRecord } from '../../../shared/contract/traffic.js';
import { ConnackReturnCode, reasonCodeName } from '../../../shared/mqtt/reason-codes.js';

export const BROKER = 'broker';
export const OUTSIDE = 'outside';

export interface Lane {
  id: string;
  name: string;
  kind: 'client' | 'broker' | 'outside';
  /** Centre of the lane, percent of the diagram's width. */
  x: number;
}

/** Who is who: the named clients (by name) and the client ids they have on the broker. */
export interface Cast {
  names: string[];
  /** Broker-side client id → named client's name. */
  byClientId: Map<string, string>;
  /** Whether some broker connection is not a named client. */
  outside: boolean;
}

export type Tone = 'plain' | 'q0' | 'q1' | 'q2' | 'bad';

export interface Arrow {
  from: Lane;
  to: Lane;
  /** The far end's name: a named client, `broker`, or an outside connection's client id. */
  fromName: string;
  toName: string;
  /** A broker-side record of a named client's packet (its other end is drawn too). */
  echo: boolean;
  tone: Tone;
  label: string;
}

export interface Mark {
  text: string;
  cls: string;
  title: string;
}

export const laneId = (name: string): string => `client:${name}`;

export function castOf(clients: readonly ClientInfo[], records: readonly TrafficRecord[]): Cast {
  const names: string[] = [];
  const byClientId = new Map<string, string>();
  for (const c of clients) {
    names.push(c.profile.name);
    byClientId.set(c.connectedClientId ?? (c.profile.clientId || c.profile.name), c.profile.name);
  }
  const known = new Set(names);
  // Named clients deleted since, and the client id each one asked for in its CONNECT.
  for (const r of records) {
    if (r.side !== 'client') continue;
    if (!known.has(r.connection)) {
      known.add(r.connection);
      names.push(r.connection);
    }
    if (r.type === 'connect' && typeof r.fields.clientId === 'string' && r.fields.clientId && !byClientId.has(r.fields.clientId)) {
      byClientId.set(r.fields.clientId, r.connection);
    }
  }
  const outside = records.some((r) => r.side === 'broker' && !byClientId.has(r.connection));
  names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { names, byClientId, outside };
}

/** Named clients split either side of the broker, the outside lane last; hidden lanes take no room. */
export function layout(cast: Cast, hidden: readonly string[]): Lane[] {
  const shown = cast.names.filter((n) => !hidden.includes(laneId(n)));
  const half = Math.ceil(shown.length / 2);
  const client = (name: string): Omit<Lane, 'x'> => ({ id: laneId(name), name, kind: 'client' });
  const lanes: Array<Omit<Lane, 'x'>> = [
    ...shown.slice(0, half).map(client),
    { id: BROKER, name: 'broker', kind: 'broker' },
    ...shown.slice(half).map(client),
  ];
  if (cast.outside && !hidden.includes(OUTSIDE)) lanes.push({ id: OUTSIDE, name: 'other connections', kind: 'outside' });
  return lanes.map((lane, i) => ({ ...lane, x: ((i + 0.5) / lanes.length) * 100 }));
}

/** The lane a packet is drawn on (besides the broker's). */
export function laneOf(record: TrafficRecord, cast: Cast): string {
  if (record.side === 'client') return laneId(record.connection);
  const name = cast.byClientId.get(record.connection);
  return name === undefined ? OUTSIDE : laneId(name);
}

export function isEcho(record: TrafficRecord, cast: Cast): boolean {
  return record.side === 'broker' && cast.byClientId.has(record.connection);
}

/** Client-side 'out' and broker-side 'in' travel towards the broker; the rest away from it. */
export function towardsBroker(record: TrafficRecord): boolean {
  return (record.side === 'client') === (record.direction === 'out');
}

export function arrowOf(record: TrafficRecord, cast: Cast, lanes: ReadonlyMap<string, Lane>, wills: WillDeliveries): Arrow | null {
  const lane = lanes.get(laneOf(record, cast));
  const broker = lanes.get(BROKER);
  if (!lane || !broker) return null;
  const peer = record.side === 'client' ? record.connection : (cast.byClientId.get(record.connection) ?? record.connection);
  const up = towardsBroker(record);
  const echo = isEcho(record, cast);
  const [from, to, fromName, toName] = up ? [lane, broker, peer, 'broker'] : [broker, lane, 'broker', peer];
  const words = [typeName(record), `${fromName} → ${toName}`, subject(record), ...marks(record, wills).map((m) => m.text)];
  if (echo) words.push('(seen by the broker)');
  return { from, to, fromName, toName, echo, tone: toneOf(record), label: words.filter(Boolean).join(' ') };
}

export const typeName = (record: TrafficRecord): string => record.type.toUpperCase();

/** What a packet is about: its topic, or the filters it (un)subscribes. */
export function subject(record: TrafficRecord): string {
  if (record.topic !== null) return record.topic;
  const list = record.fields.subscriptions ?? record.fields.unsubscriptions;
  if (!Array.isArray(list)) return '';
  return list.map((s: unknown) => (typeof s === 'string' ? s : String((s as { topic?: unknown }).topic ?? ''))).join(', ');
}

export function toneOf(record: TrafficRecord): Tone {
  if (record.reasonCode !== null && record.reasonCode >= 0x80) return 'bad';
  if (record.type === 'publish') return `q${record.qos ?? 0}` as Tone;
  if (record.type === 'puback') return 'q1';
  if (record.type === 'pubrec' || record.type === 'pubrel' || record.type === 'pubcomp') return 'q2';
  return 'plain';
}

/** Names of the reason code, or of a 3.1.1 CONNACK return code. */
export function reasonText(record: TrafficRecord): string | null {
  const code = record.reasonCode;
  if (code === null || code === 0) return null;
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  if (record.type === 'connack' && code < 0x80) {
    const name = Object.entries(ConnackReturnCode).find(([, v]) => v === code)?.[0] ?? 'refused';
    return `${hex} ${name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`;
  }
  return `${hex} ${reasonCodeName(code)}`;
}

/** The will deliveries to named clients, by the client-side record's key: whose will each one is. */
export type WillDeliveries = ReadonlyMap<string, string>;

/**
 * The broker marks a PUBLISH that delivers a will (willOf); the named client's own record of the same
 * PUBLISH (drawn instead, unless both ends are shown) is found by client, topic and packet id.
 */
export function willDeliveries(records: readonly TrafficRecord[], cast: Cast): Map<string, string> {
  const wills = new Map<string, string>();
  for (const r of records) {
    const name = r.willOf !== null ? cast.byClientId.get(r.connection) : undefined;
    if (name !== undefined) wills.set(deliveryKey(name, r), r.willOf!);
  }
  return wills;
}

const deliveryKey = (name: string, r: TrafficRecord) => `${name}\u0000${r.topic}\u0000${r.packetId ?? ''}`;

export function willOf(record: TrafficRecord, wills: WillDeliveries): string | undefined {
  if (record.willOf !== null) return record.willOf;
  if (record.side !== 'client' || record.direction !== 'in' || record.type !== 'publish') return undefined;
  return wills.get(deliveryKey(record.connection, record));
}

export function marks(record: TrafficRecord, wills: WillDeliveries): Mark[] {
  const out: Mark[] = [];
  if (record.type === 'publish') out.push({ text: `Q${record.qos ?? 0}`, cls: `q${record.qos ?? 0}`, title: `QoS ${record.qos ?? 0}` });
  if (record.retain) out.push({ text: 'R', cls: 'flag', title: 'Retained' });
  if (record.dup) out.push({ text: 'D', cls: 'flag dup', title: 'Duplicate (resent)' });
  // mqtt.js gives QoS 0 PUBLISHes a messageId too; the protocol has none.
  if (record.packetId !== null && !(record.type === 'publish' && record.qos === 0)) out.push({ text: `#${record.packetId}`, cls: 'id', title: 'Packet id' });
  const reason = reasonText(record);
  if (reason) out.push({ text: reason, cls: record.reasonCode! >= 0x80 ? 'reason bad' : 'reason', title: 'Reason code' });
  const will = willOf(record, wills);
  if (will !== undefined) out.push({ text: 'W', cls: 'flag will', title: `The will of ${will}` });
  return out;
}
