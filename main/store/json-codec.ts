/**
 * JSON that keeps binary data: a Buffer (or any Uint8Array) is written as {"$b64": "<base64>"} and read
 * back as a Buffer. MQTT 5 correlationData is binary, and user property names are arbitrary strings,
 * so every object key starting with '$' gets one more '$' on the way in: a user property named
 * "$b64" can never be mistaken for a Buffer.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(toJsonValue(value));
}

export function decodeJson<T = unknown>(text: string): T {
  return fromJsonValue(JSON.parse(text)) as T;
}

const BUFFER_KEY = '$b64';

function toJsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return { [BUFFER_KEY]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value === null || typeof value !== 'object') return value;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return toJsonValue(withToJson.toJSON());
  // fromEntries defines own properties, so a key like "__proto__" stays data and never a prototype.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [key.startsWith('$') ? `$${key}` : key, toJsonValue(item)]),
  );
}

function fromJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJsonValue);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const encoded = (value as Record<string, unknown>)[BUFFER_KEY];
  if (keys.length === 1 && keys[0] === BUFFER_KEY && typeof encoded === 'string') return Buffer.from(encoded, 'base64');
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key.startsWith('$') ? key.slice(1) : key, fromJsonValue(item)]),
  );
}
