// `mqtt-workbench export FILE --format jsonl|pcapng`: a .mqttrec recording as JSON Lines (one packet per
// line) or as a pcapng capture for Wireshark, without starting anything else.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { headlessWorkbench } from './headless.js';
import { oneOf } from './options.js';

interface ExportFlags {
  format: 'jsonl' | 'pcapng';
  out?: string;
  side?: 'broker' | 'client';
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write a .mqttrec recording as JSON Lines or as a pcapng capture (Wireshark decodes it as MQTT)')
    .argument('<file>', 'the .mqttrec file')
    .requiredOption('--format <format>', 'jsonl or pcapng', oneOf('jsonl', 'pcapng'))
    .option('--out <file>', 'where to write (default: FILE with .jsonl or .pcapng instead of .mqttrec); must not exist yet')
    .option('--side <side>', "pcapng: the broker's or the client's packets (default: the client's for a recording made by `record`)", oneOf('broker', 'client'))
    .action(runExport);
}

async function runExport(file: string, flags: ExportFlags): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const out = resolve(flags.out ?? `${path.replace(/\.mqttrec$/i, '')}.${flags.format}`);
  if (existsSync(out)) throw new Error(`${out} already exists; choose another --out or remove it`);
  const workbench = await headlessWorkbench();
  try {
    const { id } = await workbench.call('recording.import', { path });
    const written = await workbench.call('recording.export', { id, path: out, format: flags.format, ...(flags.side ? { side: flags.side } : {}) });
    console.log(`exported   ${path} as ${flags.format} to ${written.path} (${written.bytes} bytes)`);
  } finally {
    await workbench.close();
  }
}
