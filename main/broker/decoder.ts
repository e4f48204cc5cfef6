// Decodes one whole packet (the framer found its bytes) with mqtt-packet's parser. One decoder serves
// every connection of a broker: a parser fed whole packets keeps no state between them, and sharing it
// saves each idle connection a parser with its buffer list (about a kilobyte).
import { parser as createParser, type Packet } from 'mqtt-packet';

type Parser = ReturnType<typeof createParser> & { settings: { protocolVersion?: number } };

export class PacketDecoder {
  private parser = this.newParser();
  private decoded: Packet | null = null;
  private error: Error | null = null;

  /** The packet, or why it does not decode. `protocolVersion` is the connection's (4 before its CONNECT). */
  decode(bytes: Buffer, protocolVersion: number): Packet | Error {
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
