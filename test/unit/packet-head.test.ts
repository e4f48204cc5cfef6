import { generate, parser, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodedHead, packetHead } from '../../main/tap/packet-head.js';

/** The packet mqtt-packet's parser makes of `bytes`. */
function parse(bytes: Buffer, protocolVersion: number): Packet {
  const p = parser({ protocolVersion });
  const packets: Packet[] = [];
  p.on('packet', (packet) => packets.push(packet));
  p.on('error', (error) => { throw error; });
  p.parse(bytes);
  expect(packets).toHaveLength(1);
  return packets[0];
}

describe('packet heads', () => {
  it('a PUBLISH: head then payload are the whole packet; the payload is not in the head', () => {
    const packet = { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello world'), qos: 1, messageId: 300, retain: true, dup: false } as Packet;
    const bytes = generate(packet);
    const head = packetHead(packet, bytes);
    expect(head).toEqual(Buffer.from([0x33, 2 + 3 + 2 + 11, 0, 3, ...Buffer.from('a/b'), 1, 44]));
    expect(Buffer.concat([head, Buffer.from('hello world')])).toEqual(bytes);
  });

  it('an MQTT 5 PUBLISH with properties and a string payload', () => {
    const packet = {
      cmd: 'publish', topic: 't', payload: 'héllo', qos: 0, retain: false, dup: false,
      properties: { contentType: 'text/plain', userProperties: { k: 'v' } },
    } as Packet;
    const head = encodedHead(packet, 5)!;
    const whole = Buffer.concat([head, Buffer.from('héllo')]);
    expect(whole).toEqual(generate(packet, { protocolVersion: 5 }));
    expect(parse(whole, 5)).toMatchObject({ topic: 't', properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
  });

  it('a CONNECT: everything but the password, which is its last field', () => {
    const packet = {
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: 'c1',
      username: 'alice', password: Buffer.from('s3cret'),
    } as Packet;
    const bytes = generate(packet);
    const head = encodedHead(packet, 4)!;
    expect(bytes.subarray(0, head.length)).toEqual(head);
    expect(bytes.length - head.length).toBe(2 + 6);
    expect(head.includes(Buffer.from('s3cret'))).toBe(false);
    expect(head.includes(Buffer.from('alice'))).toBe(true);
  });

  it('packets without a payload are all head', () => {
    const packet = { cmd: 'suback', messageId: 7, granted: [0, 128] } as Packet;
    const bytes = generate(packet);
    expect(packetHead(packet, bytes)).toBe(bytes);
    expect(encodedHead(packet, 4)).toEqual(Buffer.from([0x90, 4, 0, 7, 0, 0x80]));
  });

  it('a packet mqtt-packet cannot encode gives null, not an exception', () => {
    expect(encodedHead({ cmd: 'publish', topic: 7, payload: 'x', qos: 0 } as unknown as Packet, 4)).toBeNull();
  });
});
