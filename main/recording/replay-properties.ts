// MQTT 5 PUBLISH properties as the traffic log keeps them (fields.properties, JSON-safe: Buffers as
// { base64 }) → back to what a publish takes (mqtt.js's shape).

/** The properties a replayed PUBLISH carries. */
export interface ReplayProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  /** mqtt-packet's shape: a key that repeats holds an array, written as one pair per value. */
  userProperties?: Record<string, string | string[]>;
}

/**
 * The recorded properties worth publishing again; undefined when there are none. Topic aliases and
 * subscription identifiers are left out: they only mean something on the connection that carried them.
 */
export function replayProperties(fields: Record<string, unknown>): ReplayProperties | undefined {
  const recorded = fields.properties;
  if (!isObject(recorded)) return undefined;
  const out: ReplayProperties = {};
  if (typeof recorded.payloadFormatIndicator === 'boolean') out.payloadFormatIndicator = recorded.payloadFormatIndicator;
  if (typeof recorded.messageExpiryInterval === 'number') out.messageExpiryInterval = recorded.messageExpiryInterval;
  if (typeof recorded.contentType === 'string') out.contentType = recorded.contentType;
  if (typeof recorded.responseTopic === 'string') out.responseTopic = recorded.responseTopic;
  const correlation = bufferOf(recorded.correlationData);
  if (correlation) out.correlationData = correlation;
  const user = userPropertiesOf(recorded.userProperties);
  if (user) out.userProperties = user;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The topic alias a recorded PUBLISH used, if any (needed to know its topic when it came without one). */
export function recordedTopicAlias(fields: Record<string, unknown>): number | undefined {
  const recorded = fields.properties;
  return isObject(recorded) && typeof recorded.topicAlias === 'number' ? recorded.topicAlias : undefined;
}

function userPropertiesOf(value: unknown): Record<string, string | string[]> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, string | string[]> = Object.create(null);
  let any = false;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) out[key] = [...v];
    else continue;
    any = true;
  }
  return any ? out : undefined;
}

function bufferOf(value: unknown): Buffer | undefined {
  return isObject(value) && typeof value.base64 === 'string' ? Buffer.from(value.base64, 'base64') : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
