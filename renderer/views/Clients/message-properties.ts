// The MQTT 5 properties of a received PUBLISH (record.fields.properties, as mqtt-packet decodes them
// and the tap makes JSON-safe) as rows of readable text. Untrusted: only ever rendered as text.
import { base64Bytes, hex } from '../../lib/format.js';

const NAMES: Record<string, string> = {
  payloadFormatIndicator: 'Payload format',
  messageExpiryInterval: 'Message expiry (s)',
  contentType: 'Content type',
  responseTopic: 'Response topic',
  correlationData: 'Correlation data',
  subscriptionIdentifier: 'Subscription id',
  topicAlias: 'Topic alias',
};

export interface PropertyRow {
  name: string;
  value: string;
}

export function propertyRows(fields: Record<string, unknown>): PropertyRow[] {
  const properties = fields.properties;
  if (typeof properties !== 'object' || properties === null) return [];
  const rows: PropertyRow[] = [];
  for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
    if (key === 'userProperties' && typeof value === 'object' && value !== null) {
      // mqtt-packet gives { key: value } or { key: [value, value] } for a repeated key.
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        for (const one of Array.isArray(v) ? v : [v]) rows.push({ name: `User property: ${k}`, value: text(one) });
      }
    } else if (key === 'payloadFormatIndicator') {
      rows.push({ name: NAMES[key]!, value: value ? 'UTF-8 text' : 'bytes' });
    } else {
      rows.push({ name: NAMES[key] ?? key, value: text(value) });
    }
  }
  return rows;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { base64?: unknown }).base64 === 'string') {
    return hex(base64Bytes((value as { base64: string }).base64));
  }
  if (Array.isArray(value)) return value.map(text).join(', ');
  return JSON.stringify(value);
}
