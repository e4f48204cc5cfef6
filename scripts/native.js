// better-sqlite3 is a native module built for one runtime at a time: Node (npm ci, npm test, serve) or
// Electron (npm start, npm run dist). These helpers switch it to Electron for a while and always back.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const NATIVE_MODULE = 'better-sqlite3';
const BINARY = join(ROOT, 'node_modules', NATIVE_MODULE, 'build', 'Release', 'better_sqlite3.node');
export const requireFromRoot = createRequire(join(ROOT, 'package.json'));
export const ELECTRON_VERSION = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version;

/**
 * The environment for building against Electron. npm passes its config to scripts as npm_config_*; a
 * `nodedir` there (this machine's npmrc sets /usr) makes node-gyp build against Node's headers and
 * silently produce a Node binary, so it goes; the runtime, target and headers URL name Electron's.
 */
export function electronBuildEnv(env = process.env) {
  const out = Object.fromEntries(Object.entries(env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'));
  return {
    ...out,
    npm_config_runtime: 'electron',
    npm_config_target: ELECTRON_VERSION,
    npm_config_disturl: 'https://electronjs.org/headers',
  };
}

/** Runs a command with inherited output; resolves with its exit code (1 if it could not start or was killed). */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: ROOT, ...options });
    child.once('error', (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** True when better-sqlite3 loads in this Node (the build npm test needs). */
export function loadsUnderNode() {
  const probe = spawnSync(process.execPath, ['-e', `new (require(${JSON.stringify(NATIVE_MODULE)}))(':memory:').close()`], { cwd: ROOT, encoding: 'utf8' });
  return probe.status === 0;
}

/** A copy of the current (Node) binary, to put back without compiling or downloading anything. */
export function saveNodeBinary() {
  if (!existsSync(BINARY)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-native-'));
  const copy = join(dir, 'better_sqlite3.node');
  copyFileSync(BINARY, copy);
  return copy;
}

/**
 * Puts the Node build back: the saved copy if there is one, else (or if it does not load) `npm rebuild`
 * with the caller's original environment. Returns whether better-sqlite3 loads under Node afterwards.
 */
export async function restoreNodeBuild(savedCopy) {
  if (savedCopy && existsSync(savedCopy)) {
    try {
      // node-gyp's rebuild starts by deleting build/, so the folder may be gone.
      mkdirSync(dirname(BINARY), { recursive: true });
      copyFileSync(savedCopy, BINARY);
      rmSync(dirname(savedCopy), { recursive: true, force: true });
    } catch (error) {
      console.error(`${NATIVE_MODULE}: could not put the saved Node build back (${error.message}); it is kept in ${savedCopy}`);
    }
  }
  if (loadsUnderNode()) return true;
  console.error(`${NATIVE_MODULE}: the Node build is not back yet; running npm rebuild ${NATIVE_MODULE}`);
  await runNpm(['rebuild', NATIVE_MODULE], process.env);
  return loadsUnderNode();
}

/** npm itself: the one running this script when started by npm, else npm from PATH. */
export function runNpm(args, env) {
  const npmCli = process.env.npm_execpath;
  if (npmCli && /\.c?js$/.test(npmCli)) return run(process.execPath, [npmCli, ...args], { env });
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { env, shell: process.platform === 'win32' });
}

/** The Electron build of better-sqlite3, cached per Electron version and arch so `npm start` compiles once. */
export function electronBinaryCache() {
  const dir = join(ROOT, 'node_modules', '.cache', 'mqtt-workbench');
  mkdirSync(dir, { recursive: true });
  return join(dir, `better_sqlite3-electron-${ELECTRON_VERSION}-${process.platform}-${process.arch}.node`);
}

export const nativeBinaryPath = BINARY;

/** Keeps this process alive on Ctrl+C / SIGTERM (the child gets them too), so the restore still runs. */
export function outliveSignals() {
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  process.on('SIGHUP', ignore);
}
