// A raw TCP MQTT peer: send exact bytes or packets, read decoded packets, see when the broker closes.
import { connect as netConnect, type Socket } from 'node:net';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { withTimeout } from './broker.js';

export class RawClient {
  readonly packets: Packet[] = [];
  closed = false;
  private waiters: Array<() => void> = [];
  private readonly parser;

  private constructor(readonly socket: Socket, protocolVersion: number) {
    this.parser = createParser({ protocolVersion });
    this.parser.on('packet', (p: Packet) => {
      this.packets.push(p);
      this.wake();
    });
    socket.on('data', (chunk) => this.parser.parse(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(port: number, protocolVersion = 4): Promise<RawClient> {
    return withTimeout(new Promise((resolve, reject) => {
      const socket = netConnect(port, '127.0.0.1', () => resolve(new RawClient(socket, protocolVersion)));
      socket.once('error', reject);
    }), 3000, 'TCP connect');
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(packet: Packet, protocolVersion = 4): void {
    this.socket.write(generate(packet, { protocolVersion }));
  }

  sendHex(hex: string): void {
    this.socket.write(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
  }

  /** The next packet of this type (removed from the list). */
  async expect<C extends Packet['cmd']>(cmd: C, ms = 3000): Promise<Extract<Packet, { cmd: C }>> {
    return withTimeout(new Promise((resolve, reject) => {
      const check = () => {
        const i = this.packets.findIndex((p) => p.cmd === cmd);
        if (i >= 0) return resolve(this.packets.splice(i, 1)[0] as Extract<Packet, { cmd: C }>);
        if (this.closed) return reject(new Error(`connection closed before ${cmd}`));
        this.waiters.push(check);
      };
      check();
    }), ms, cmd);
  }

  /** Resolves when the broker has closed the connection. */
  async expectClose(ms = 3000): Promise<void> {
    return withTimeout(new Promise<void>((resolve) => {
      const check = () => (this.closed ? resolve() : this.waiters.push(check));
      check();
    }), ms, 'the broker to close the connection');
  }

  /** CONNECT and wait for a successful CONNACK. */
  async handshake(clientId: string, protocolVersion = 4, extra: Record<string, unknown> = {}): Promise<void> {
    this.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: protocolVersion as 4, clientId, clean: true, keepalive: 60, ...extra }, protocolVersion);
    const connack = await this.expect('connack');
    const code = connack.reasonCode ?? connack.returnCode;
    if (code) throw new Error(`CONNACK refused with ${code}`);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
