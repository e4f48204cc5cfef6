import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from '../../main/store/json-codec.js';

const roundTrip = (value: unknown) => decodeJson(encodeJson(value));

describe('store JSON codec', () => {
  it('leaves plain JSON values as they are', () => {
    const value = { a: 1, b: 'x', c: [true, null, { d: 2.5 }], e: {} };
    expect(roundTrip(value)).toStrictEqual(value);
    expect(encodeJson(value)).toBe(JSON.stringify(value));
  });

  it('writes Buffers as base64 and reads them back as Buffers, nested anywhere', () => {
    const value = { correlationData: Buffer.from([0, 1, 255]), list: [Buffer.alloc(0), { deep: Buffer.from('hi') }] };
    expect(encodeJson(value)).toBe('{"correlationData":{"$b64":"AAH/"},"list":[{"$b64":""},{"deep":{"$b64":"aGk="}}]}');
    const back = roundTrip(value) as typeof value;
    expect(back).toStrictEqual(value);
    expect(Buffer.isBuffer(back.correlationData)).toBe(true);
  });

  it('writes only the viewed bytes of a Buffer slice or Uint8Array, and reads a Buffer', () => {
    expect(roundTrip(Buffer.from('hello world').subarray(6))).toStrictEqual(Buffer.from('world'));
    expect(roundTrip(new Uint8Array([1, 2, 3]).subarray(1))).toStrictEqual(Buffer.from([2, 3]));
  });

  it('escapes keys starting with $ so data can never pass for a Buffer marker', () => {
    const value = { $b64: 'AAEC', $$x: 1, nested: { $b64: 'not binary' } };
    expect(encodeJson(value)).toBe('{"$$b64":"AAEC","$$$x":1,"nested":{"$$b64":"not binary"}}');
    expect(roundTrip(value)).toStrictEqual(value);
  });

  it('keeps a "__proto__" key as data', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true}}');
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.entries(back)).toStrictEqual([['__proto__', { polluted: true }]]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops undefined object fields like JSON does', () => {
    expect(roundTrip({ a: undefined, b: 1 })).toStrictEqual({ b: 1 });
  });
});
