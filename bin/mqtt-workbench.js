#!/usr/bin/env node
// The CLI entry: runs the compiled TypeScript in out/ (npm run build).
import { existsSync } from 'node:fs';

const entry = new URL('../out/main/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('mqtt-workbench: not built yet; run `npm run build` first');
  process.exit(2);
}
const { main } = await import(entry.href);
await main(process.argv);
