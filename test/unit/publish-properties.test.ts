import { generate, parser, type IPublishPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { generateWithUserProperties, orderAtRisk, scanPublishProperties } from '../../main/broker/publish-properties.js';

const readUserPropertyPairs = (bytes: Buffer) => scanPublishProperties(bytes).pairs;

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
      correlationData: Buffer.from([1, 2]), topicAlias: 3, userProperties: { a: '1', b: '2' },
    }), { protocolVersion: 5 });
    expect(scanPublishProperties(bytes)).toEqual({ pairs: [['a', '1'], ['b', '2']] });
  });

  it('finds what mqtt-packet lets through: a duplicate, an overrun, a property that is not for PUBLISH', () => {
    // PUBLISH "topic", properties: payload format indicator twice
    expect(scanPublishProperties(Buffer.from('30130005746f706963040101010170', 'hex')).problem?.reasonCode).toBe(0x82);
    // message expiry (4 bytes) announced in a 2-byte property section
    expect(scanPublishProperties(Buffer.from('30140005746f706963020200000001', 'hex')).problem?.reasonCode).toBe(0x81);
    // request problem information (CONNECT only)
    expect(scanPublishProperties(Buffer.from('30110005746f706963021700', 'hex')).problem?.reasonCode).toBe(0x81);
    // subscription identifier from a client [MQTT-3.3.4-6]
    expect(scanPublishProperties(Buffer.from('30100005746f706963020b01', 'hex')).problem?.reasonCode).toBe(0x82);
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
