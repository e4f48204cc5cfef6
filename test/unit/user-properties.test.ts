import { generate, parser, type IPublishPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { generateWithUserProperties, orderAtRisk, readUserPropertyPairs } from '../../main/broker/user-properties.js';

function decode(bytes: Buffer): Packet {
  const p = parser({ protocolVersion: 5 });
  let packet: Packet | undefined;
  p.on('packet', (x: Packet) => { packet = x; });
  expect(p.parse(bytes)).toBe(0);
  if (!packet) throw new Error('did not decode');
  return packet;
}

const publish = (qos: 0 | 1, properties: IPublishPacket['properties']): IPublishPacket => ({
  cmd: 'publish', topic: 'req/1', payload: Buffer.from('{"a":1}'), qos, retain: false, dup: false,
  ...(qos ? { messageId: 5 } : {}), properties,
});

describe('user property order [MQTT-3.3.2-18]', () => {
  it('knows when the object form may have lost the order', () => {
    expect(orderAtRisk({ a: '1', b: '2' })).toBe(false);
    expect(orderAtRisk({ a: ['1', '3'] })).toBe(false);
    expect(orderAtRisk({ a: ['1', '3'], b: '2' })).toBe(true);
    expect(orderAtRisk({ b: '1', 2: 'x' })).toBe(true);
  });

  it('reads the pairs in wire order past every other kind of property', () => {
    const bytes = generate(publish(1, {
      payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'text/plain', responseTopic: 'r',
      correlationData: Buffer.from([1, 2]), subscriptionIdentifier: 300, userProperties: { a: '1', b: '2' },
    }), { protocolVersion: 5 });
    expect(readUserPropertyPairs(bytes)).toEqual([['a', '1'], ['b', '2']]);
  });

  for (const qos of [0, 1] as const) {
    it(`writes a QoS ${qos} PUBLISH whose pairs keep their order and whose other fields survive`, () => {
      const pairs: Array<[string, string]> = [['a', '1'], ['b', '2'], ['a', '3'], ['ü', 'x'.repeat(200)]];
      const bytes = generateWithUserProperties(publish(qos, { responseTopic: 'resp/1', correlationData: Buffer.from([1, 2, 3]) }), pairs);
      expect(readUserPropertyPairs(bytes)).toEqual(pairs);
      const decoded = decode(bytes) as IPublishPacket;
      expect(decoded).toMatchObject({ topic: 'req/1', qos, properties: { responseTopic: 'resp/1', userProperties: { a: ['1', '3'], b: '2' } } });
      expect(decoded.payload.toString()).toBe('{"a":1}');
    });
  }
});
