// The three pcapng blocks an export needs (draft-ietf-opsawg-pcapng): a Section Header, one Interface
// Description and an Enhanced Packet per frame. Little-endian throughout; readers learn that from the
// byte-order magic.

/** LINKTYPE_RAW: each frame starts with its IPv4 header, no fake Ethernet addresses needed. */
export const LINKTYPE_RAW = 101;

const SHB_TYPE = 0x0a0d0d0a;
const IDB_TYPE = 0x00000001;
const EPB_TYPE = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;

export function sectionHeaderBlock(application: string): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  fixed.writeUInt16LE(1, 4); // major version
  fixed.writeUInt16LE(0, 6); // minor version
  fixed.writeBigInt64LE(-1n, 8); // section length: not known while streaming
  return block(SHB_TYPE, fixed, options([[SHB_USERAPPL, Buffer.from(application)]]));
}

export function interfaceDescriptionBlock(name: string): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(LINKTYPE_RAW, 0);
  fixed.writeUInt32LE(0, 4); // snaplen 0: no limit
  // if_tsresol 6 (10^-6 s) is the default; written anyway so a reader never has to assume it.
  return block(IDB_TYPE, fixed, options([[IF_NAME, Buffer.from(name)], [IF_TSRESOL, Buffer.from([6])]]));
}

/**
 * One frame at `timeUs` (epoch microseconds). `data` is what was captured; `originalLength` may be
 * larger when the tail was not kept (a payload the log cut, a password never logged).
 */
export function enhancedPacketBlock(timeUs: number, data: Buffer, originalLength: number, comment?: string): Buffer {
  const time = Math.max(0, Math.round(timeUs));
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(0, 0); // interface 0: the only one
  fixed.writeUInt32LE(Math.floor(time / 2 ** 32), 4);
  fixed.writeUInt32LE(time % 2 ** 32, 8);
  fixed.writeUInt32LE(data.length, 12);
  fixed.writeUInt32LE(originalLength, 16);
  const opts = comment ? options([[OPT_COMMENT, Buffer.from(comment)]]) : Buffer.alloc(0);
  return block(EPB_TYPE, Buffer.concat([fixed, padded(data)]), opts);
}

/** Type, total length, body, options, total length again (so readers can walk backwards). */
function block(type: number, body: Buffer, opts: Buffer): Buffer {
  const total = 12 + body.length + opts.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  opts.copy(out, 8 + body.length);
  out.writeUInt32LE(total, total - 4);
  return out;
}

/** code, length, value padded to 32 bits; then opt_endofopt. */
function options(list: Array<[number, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [code, value] of list) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(code, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, padded(value));
  }
  const end = Buffer.alloc(4);
  end.writeUInt16LE(OPT_END, 0);
  parts.push(end);
  return Buffer.concat(parts);
}

function padded(data: Buffer): Buffer {
  const pad = (4 - (data.length % 4)) % 4;
  return pad === 0 ? data : Buffer.concat([data, Buffer.alloc(pad)]);
}
