import type {
  PacketType,
  TrafficRecord,
  TrafficSide,
} from '../../shared/contract/traffic.js';

/** One packet as the tap hands it to the log: a TrafficRecord before it has an id, with the whole payload. */
export type TrafficEntry = Omit<TrafficRecord, 'id' | 'fields' | 'payload' | 'payloadSize' | 'head' | 'willOf'> & {
  /** JSON-safe; stored as JSON text. */
  fields: Record<string, unknown> | null;
  /** The whole payload: the log keeps at most its payload cap of it and records the original size. */
  payload: Buffer | null;
  /** The packet's bytes up to the payload (TrafficRecord.head); may be a view into a socket chunk. */
  head: Buffer | null;
  willOf?: string | null;
};

/** MQTT's own control packet numbers, so the codes in the file mean something outside this code too. */
const TYPE_CODES: Record<PacketType, number> = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7, subscribe: 8,
  suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13, disconnect: 14, auth: 15,
};
const TYPES_BY_CODE: PacketType[] = [];
for (const [type, code] of Object.entries(TYPE_CODES)) TYPES_BY_CODE[code] = type as PacketType;

export const typeCode = (type: PacketType): number => TYPE_CODES[type];
export const sideCode = (side: TrafficSide): number => (side === 'broker' ? 0 : 1);

/** The columns of an INSERT into traffic, in table order. */
export type TrafficRow = [
  id: number, timeUs: number, side: number, direction: number, connection: string, type: number,
  topic: string | null, qos: number | null, retain: number, dup: number, packetId: number | null,
  reasonCode: number | null, fields: string | null, payload: Buffer | null, payloadSize: number,
  head: Buffer | null, willOf: string | null,
];

export const INSERT_SQL = 'INSERT INTO traffic VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Turns an entry into its row right away: payload and head are copied (the caller's buffer may be reused,
 * and a slice would keep a whole socket chunk alive until the flush) and the payload is cut to the cap. A value the
 * STRICT table would refuse (a fractional time, undefined for null) would cost the whole batch, so it
 * is made fit here.
 */
export function toRow(id: number, entry: TrafficEntry, payloadCap: number): TrafficRow {
  const payload = entry.payload ?? null;
  let stored: Buffer | null = null;
  if (payload) stored = Buffer.from(payload.length > payloadCap ? payload.subarray(0, payloadCap) : payload);
  return [
    id,
    Math.round(entry.timeUs),
    sideCode(entry.side),
    entry.direction === 'in' ? 0 : 1,
    entry.connection,
    TYPE_CODES[entry.type],
    entry.topic ?? null,
    entry.qos ?? null,
    entry.retain ? 1 : 0,
    entry.dup ? 1 : 0,
    entry.packetId ?? null,
    entry.reasonCode ?? null,
    entry.fields && hasKeys(entry.fields) ? fieldsJson(entry.fields) : null,
    stored,
    payload ? payload.length : 0,
    entry.head ? Buffer.from(entry.head) : null,
    entry.willOf ?? null,
  ];
}

/** A tap bug (a cycle, a BigInt) must not turn into an exception in the broker: keep the record, say why fields are missing. */
function fieldsJson(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields);
  } catch (error) {
    return JSON.stringify({ unstored: `fields could not be stored as JSON: ${String(error)}` });
  }
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/** A row as traffic-query.ts selects it (payload already cut to what the query asked for). */
export interface SelectedRow {
  id: number;
  time_us: number;
  side: number;
  direction: number;
  connection: string;
  type: number;
  topic: string | null;
  qos: number | null;
  retain: number;
  dup: number;
  packet_id: number | null;
  reason_code: number | null;
  fields: string | null;
  payload: Buffer | null;
  payload_size: number;
  head: Buffer | null;
  will_of: string | null;
}

export function toRecord(row: SelectedRow): TrafficRecord {
  return {
    id: row.id,
    timeUs: row.time_us,
    side: row.side === 0 ? 'broker' : 'client',
    direction: row.direction === 0 ? 'in' : 'out',
    connection: row.connection,
    type: TYPES_BY_CODE[row.type],
    topic: row.topic,
    qos: row.qos as TrafficRecord['qos'],
    retain: row.retain === 1,
    dup: row.dup === 1,
    packetId: row.packet_id,
    reasonCode: row.reason_code,
    fields: row.fields === null ? {} : (JSON.parse(row.fields) as Record<string, unknown>),
    payload: row.payload === null ? null : row.payload.toString('base64'),
    payloadSize: row.payload_size,
    head: row.head === null ? null : row.head.toString('base64'),
    willOf: row.will_of,
  };
}
