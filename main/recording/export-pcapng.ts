// Export as pcapng: one side's packets as TCP traffic between synthesized endpoints, so Wireshark (or
// tshark) opens a recording with its MQTT dissector — filters, stream view, I/O graphs and all.
//
// The capture: raw IPv4 frames; the broker at 127.0.0.1:1883 (MQTT's port, so no "Decode As" is needed);
// each MQTT connection a TCP connection from 127.0.0.1:49152, :49153, … (in order of first packet), with
// a SYN/SYN-ACK/ACK before its first packet; a client's CONNECT on a connection that already carried
// packets (a reconnect) opens a new one. Frame times are the records' times, and each frame's comment
// names its record. A packet's bytes are head || payload. A cut payload, or a CONNECT's password (never
// logged), is a tail not captured: the frame's captured length is shorter than its length, and sequence
// numbers still advance by the whole packet, so what follows decodes.
import type { TrafficRecord, TrafficSide } from '../../shared/contract/traffic.js';
import { ExportWriter } from './export-jsonl.js';
import { enhancedPacketBlock, interfaceDescriptionBlock, sectionHeaderBlock } from './pcapng-blocks.js';
import { type PacketBytes, packetBytes } from './pcapng-packet.js';
import { TcpStreams } from './pcapng-streams.js';

export interface PcapngOptions {
  /**
   * Whose records become the capture; the other side's are left out (each exchange is logged on both
   * sides, so both would show every packet twice). Default 'broker': the embedded broker's wire bytes.
   * Pass 'client' for a recording of an outside broker, which has only the named clients' side.
   */
  side?: TrafficSide;
}

const APPLICATION = 'MQTT Workbench';
/** Connection names can be long client ids; a comment only needs to tell them apart. */
const MAX_NAME_IN_COMMENT = 200;

export async function writePcapng(
  records: AsyncIterable<TrafficRecord> | Iterable<TrafficRecord>,
  out: NodeJS.WritableStream,
  options: PcapngOptions = {},
): Promise<{ packets: number; skipped: number }> {
  const side = options.side ?? 'broker';
  const streams = new TcpStreams();
  const writer = new ExportWriter(out);
  let packets = 0;
  let skipped = 0;
  try {
    await writer.write(Buffer.concat([sectionHeaderBlock(APPLICATION), interfaceDescriptionBlock(`mqtt-workbench ${side} side`)]));
    for await (const record of records) {
      if (record.side !== side) continue;
      const bytes = packetBytes(record);
      if (!bytes) {
        skipped++;
        continue;
      }
      // One write per record (its handshake, if any, and its segments), with the drain wait between records.
      await writer.write(Buffer.concat(recordBlocks(record, bytes, side, streams)));
      packets++;
    }
  } finally {
    writer.release();
  }
  return { packets, skipped };
}

function recordBlocks(record: TrafficRecord, bytes: PacketBytes, side: TrafficSide, streams: TcpStreams): Buffer[] {
  // Seen from the broker, 'in' came from the client; seen from a client, 'out' went to the broker.
  const fromClient = (record.direction === 'in') === (side === 'broker');
  const { stream, handshake } = streams.streamFor(record.connection, fromClient && record.type === 'connect');
  const name = record.connection.slice(0, MAX_NAME_IN_COMMENT);
  const blocks = handshake.map((f) => enhancedPacketBlock(record.timeUs, f.bytes, f.originalLength, `TCP handshake for ${name}`));
  const comment = recordComment(record, name, bytes.data.length, bytes.length);
  for (const f of stream.packet(fromClient, bytes)) blocks.push(enhancedPacketBlock(record.timeUs, f.bytes, f.originalLength, comment));
  return blocks;
}

function recordComment(record: TrafficRecord, name: string, captured: number, length: number): string {
  const base = `record ${record.id}: ${record.side} ${record.direction} ${record.type}, ${name}`;
  return captured < length ? `${base} (${captured} of ${length} bytes kept)` : base;
}
