// Decodes one whole packet (the framer found its bytes). PUBLISH without properties and plain
// acknowledgements, the packets a broker decodes most, are read here directly; everything else goes to mqtt-packet's parser. One decoder serves
// every connection of a broker: a parser fed whole packets keeps no state between them, and sharing it
// saves each idle connection a parser with its buffer list (about a kilobyte).
import { parser as createParser, type IPublishPacket, type Packet } from 'mqtt-packet';
import { bodyStart } from './varint.js';

const ACKS = ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const;

type Parser = ReturnType<typeof createParser> & { settings: { protocolVersion?: number } };

export class PacketDecoder {
  private parser = this.newParser();
  private decoded: Packet | null = null;
  private error: Error | null = null;

  /** The packet, or why it does not decode. `protocolVersion` is the connection's (4 before its CONNECT). */
  decode(bytes: Buffer, protocolVersion: number): Packet | Error {
    const type = bytes[0] >> 4;
    if (type === 3) {
      const publish = decodePlainPublish(bytes, protocolVersion === 5);
      if (publish) return publish;
    } else if (type >= 4 && type <= 7 && bytes.length === 4) {
      // PUBACK, PUBREC, PUBREL, PUBCOMP without a reason code: success in 3.1.1 and 5 alike.
      return { cmd: ACKS[type - 4], messageId: bytes.readUInt16BE(2), length: 2 } as Packet;
    }
    this.decoded = null;
    this.error = null;
    // A parser adopts a CONNECT it decodes as its settings; each packet gets its own connection's back.
    this.parser.settings = { protocolVersion };
    this.parser.parse(bytes);
    const packet = this.decoded as Packet | null;
    if (packet) return packet;
    // A parser that stopped part way holds those bytes: the next packet gets a fresh one.
    this.parser = this.newParser();
    return (this.error as Error | null) ?? new Error('the packet does not decode');
  }

  private newParser(): Parser {
    const parser = createParser() as Parser;
    parser.on('packet', (packet: Packet) => { this.decoded = packet; });
    parser.on('error', (error: Error) => { this.error = error; });
    return parser;
  }
}

/**
 * A PUBLISH whose MQTT 5 property section is empty (or any 3.1.1 PUBLISH), in the shape mqtt-packet gives;
 * null to leave the packet to mqtt-packet (properties, or anything out of bounds, which it reports).
 */
function decodePlainPublish(bytes: Buffer, v5: boolean): IPublishPacket | null {
  const at = bodyStart(bytes);
  const length = bytes.length - at;
  const qos = (bytes[0] >> 1) & 3;
  if (at + 2 > bytes.length) return null;
  const topicEnd = at + 2 + bytes.readUInt16BE(at);
  const payloadAt = topicEnd + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0);
  if (payloadAt > bytes.length || (v5 && bytes[payloadAt - 1] !== 0)) return null;
  const packet: IPublishPacket = {
    cmd: 'publish', retain: (bytes[0] & 1) === 1, qos: qos as 0 | 1 | 2, dup: (bytes[0] & 8) === 8, length,
    topic: bytes.toString('utf8', at + 2, topicEnd), payload: bytes.subarray(payloadAt),
  };
  if (qos > 0) packet.messageId = bytes.readUInt16BE(topicEnd);
  return packet;
}
