// A recording's packets written to a file as JSON Lines or pcapng: next to the target first and renamed
// over it, so `path` is never a half-written file (as with the .mqttrec copy).
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { TrafficRecord, TrafficSide } from '../../shared/contract/traffic.js';
import { describeCause } from '../store/errors.js';
import { writeJsonLines } from './export-jsonl.js';
import { writePcapng } from './export-pcapng.js';

export async function exportRecords(
  records: AsyncIterable<TrafficRecord>, path: string, format: 'jsonl' | 'pcapng', side: TrafficSide,
): Promise<{ path: string; bytes: number }> {
  const partial = `${path}.partial-${randomBytes(4).toString('hex')}`;
  const out = createWriteStream(partial, { flags: 'wx' });
  try {
    if (format === 'jsonl') await writeJsonLines(records, out);
    else await writePcapng(records, out, { side });
    out.end();
    await finished(out);
    await rename(partial, path);
    return { path, bytes: (await stat(path)).size };
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    if (error instanceof WorkbenchError) throw error;
    throw new WorkbenchError('io-error', `cannot export to ${path}: ${describeCause(error)}`);
  }
}
