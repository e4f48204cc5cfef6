import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { nowUs, packetEntry } from '../../main/tap/packet-entry.js';

describe('packetEntry', () => {
  it('a PUBLISH: columns, payload bytes, properties as JSON-safe fields', () => {
    const packet = {
      cmd: 'publish', topic: 'a/b', payload: Buffer.from([0, 1, 2]), qos: 2, retain: true, dup: true, messageId: 7, length: 12,
      properties: { correlationData: Buffer.from('ab'), contentType: 'x' },
    } as Packet;
    const entry = packetEntry(packet, 'broker', 'in', 'c1', 5, null);
    expect(entry).toMatchObject({ type: 'publish', topic: 'a/b', qos: 2, retain: true, dup: true, packetId: 7, reasonCode: null, timeUs: 5 });
    expect(entry.payload).toEqual(Buffer.from([0, 1, 2]));
    expect(entry.fields).toEqual({ properties: { correlationData: { base64: Buffer.from('ab').toString('base64') }, contentType: 'x' } });
    expect(JSON.parse(JSON.stringify(entry.fields))).toEqual(entry.fields);
  });

  it('a CONNECT never carries the password', () => {
    const packet = { cmd: 'connect', clientId: 'x', username: 'u', password: Buffer.from('secret'), protocolVersion: 4, clean: true, keepalive: 60, protocolId: 'MQTT' } as Packet;
    const entry = packetEntry(packet, 'client', 'out', 'myClient1', 1, null);
    expect(JSON.stringify(entry)).not.toContain('secret');
    expect(JSON.stringify(entry)).not.toContain(Buffer.from('secret').toString('base64'));
    expect(entry.fields).toMatchObject({ clientId: 'x', username: 'u', password: '(hidden)' });
  });

  it('reason codes: CONNACK return code, SUBACK first granted, MQTT 5 reason code', () => {
    expect(packetEntry({ cmd: 'connack', returnCode: 5, sessionPresent: false } as Packet, 'broker', 'out', 'c', 1, null).reasonCode).toBe(5);
    expect(packetEntry({ cmd: 'suback', messageId: 1, granted: [128, 1] } as Packet, 'broker', 'out', 'c', 1, null).reasonCode).toBe(128);
    expect(packetEntry({ cmd: 'puback', messageId: 1, reasonCode: 0x10 } as Packet, 'broker', 'out', 'c', 1, null).reasonCode).toBe(0x10);
  });

  it('time in microseconds', () => {
    expect(Math.abs(nowUs() / 1000 - Date.now())).toBeLessThan(50);
  });
});
