#!/usr/bin/env node
// `npm start`: build, then run the desktop app with the local Electron. better-sqlite3 is switched to
// its Electron build for the run (compiled or fetched once, then cached) and back to the Node build on
// exit, so `npm test` and `npm run serve` keep working. Without the Electron binary (it is downloaded
// when electron is installed, which fails offline) it says so instead of trying to download it.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ELECTRON_VERSION, ROOT, electronBinaryCache, electronBuildEnv, nativeBinaryPath, outliveSignals, requireFromRoot,
  restoreNodeBuild, run, runNpm, saveNodeBinary,
} from './native.js';

function electronBinary() {
  const dir = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const electron = electronBinary();
if (!electron) {
  console.error(`npm start: the Electron ${ELECTRON_VERSION} binary is not installed (node_modules/electron/dist is missing):
  it is downloaded from GitHub when the electron package is installed, and that failed or was skipped here.
  - With internet: run \`npx install-electron\` (or \`npm ci\` again), then \`npm start\`.
  - Without it: \`npm run serve\` runs the same workbench headless; open the printed URL in a browser.`);
  process.exit(1);
}

outliveSignals();
if (await runNpm(['run', 'build'], process.env) !== 0) process.exit(1);

const saved = saveNodeBinary();
let code = 1;
try {
  const cache = electronBinaryCache();
  if (existsSync(cache)) copyFileSync(cache, nativeBinaryPath);
  else {
    const rebuild = requireFromRoot.resolve('@electron/rebuild/lib/cli.js');
    const built = await run(process.execPath, [rebuild, '--force', '--only', 'better-sqlite3', '--version', ELECTRON_VERSION], { env: electronBuildEnv() });
    if (built !== 0) throw new Error('could not build better-sqlite3 for Electron (see above)');
    copyFileSync(nativeBinaryPath, cache);
  }
  // ELECTRON_RUN_AS_NODE from a parent shell would start Node instead of the app.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  code = await run(electron, ['.'], { env });
} catch (error) {
  console.error(`npm start: ${error.message}`);
} finally {
  if (!(await restoreNodeBuild(saved))) {
    console.error('npm start: better-sqlite3 could not be restored for Node; run `npm rebuild better-sqlite3` (or `npm ci`)');
  }
}
process.exit(code);
