#!/usr/bin/env node
// `npm run dist -- [electron-builder flags]`, e.g. `npm run dist -- --linux --arm64`: the installers of
// electron-builder.yml. electron-builder rebuilds better-sqlite3 for Electron once per target arch
// (npmRebuild); this script gives it an environment that really builds for Electron, and afterwards,
// whatever happened, puts the Node build back so `npm test` and `serve` keep working.
import { electronBuildEnv, outliveSignals, requireFromRoot, restoreNodeBuild, run, saveNodeBinary } from './native.js';

const builderCli = requireFromRoot.resolve('electron-builder/cli.js');
const args = process.argv.slice(2);

outliveSignals();
const saved = saveNodeBinary();
let code = 1;
try {
  // --publish never: nothing is uploaded anywhere, whatever the environment (CI tokens) says.
  code = await run(process.execPath, [builderCli, '--publish', 'never', ...args], { env: electronBuildEnv() });
  if (code !== 0) console.error(`dist: electron-builder failed (exit ${code})`);
} finally {
  const restored = await restoreNodeBuild(saved);
  if (restored) console.error('dist: better-sqlite3 is the Node build again');
  else {
    console.error('dist: better-sqlite3 could not be restored for Node; run `npm rebuild better-sqlite3` (or `npm ci`)');
    code ||= 1;
  }
}
process.exit(code);
