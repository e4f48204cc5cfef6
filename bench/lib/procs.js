// Child process handling for the benchmark: CPU pinning, fd limits, and
// making sure nothing outlives bench/run.js.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const children = new Set()

// Exit handlers cannot run if this process is SIGKILLed, and the children
// live in their own process groups, so a watchdog (a detached shell loop)
// kills whatever process groups are still listed in a file once this process
// is gone. The list is rewritten whenever a child starts or exits.
let watchdog = null
let groupFile = null
function syncGroupFile () {
  if (!groupFile) return
  try {
    fs.writeFileSync(groupFile, [...children].filter((c) => !c.exited && c.pid).map((c) => c.pid).join('\n') + '\n')
  } catch {}
}
function ensureWatchdog () {
  if (watchdog) return
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-run-'))
  groupFile = path.join(dir, 'pgids')
  fs.writeFileSync(groupFile, '')
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'for g in $(cat "$2" 2>/dev/null); do kill -KILL -- "-$g" 2>/dev/null; done; rm -rf "$3"'
  watchdog = spawn('bash', ['-c', script, 'bench-watchdog', String(process.pid), groupFile, dir], {
    stdio: 'ignore',
    detached: true
  })
  watchdog.unref()
  process.on('exit', () => {
    try { process.kill(watchdog.pid, 'SIGKILL') } catch {}
    try { fs.rmSync(dir, { recursive: true, force: true }) } catch {}
  })
}

// Raise the soft fd limit as far as allowed: 65536 if the hard limit permits,
// otherwise the hard limit itself.
const ULIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true'

export const tasksetPath = (() => {
  const r = spawnSync('bash', ['-c', 'command -v taskset'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
})()

export const clkTck = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  return r.status === 0 ? Number(r.stdout.trim()) || 100 : 100
})()

export const hardNofile = (() => {
  const r = spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : 'unknown'
})()

/** The fd limit a child started through spawnPinned() gets. */
export const childNofile = (() => {
  const r = spawnSync('bash', ['-c', `${ULIMIT}; ulimit -n`], { encoding: 'utf8' })
  return r.status === 0 ? Number(r.stdout.trim()) : null
})()


/**
 * Spawns argv through bash (for ulimit) and taskset (for pinning, when core
 * is not null and taskset exists). Both exec, so child.pid is the pid of the
 * final program. The child leads its own process group, so killing -pid also
 * takes anything it started.
 */
export function spawnPinned (argv, { core = null, cwd, env } = {}) {
  ensureWatchdog()
  const pin = core !== null && tasksetPath ? [tasksetPath, '-c', String(core)] : []
  const child = spawn('bash', ['-c', `${ULIMIT}; exec "$@"`, 'bash', ...pin, ...argv], {
    cwd,
    env: env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  children.add(child)
  child.exited = false
  child.exitInfo = null
  syncGroupFile()
  child.on('exit', (code, signal) => {
    child.exited = true
    child.exitInfo = { code, signal }
    children.delete(child)
    syncGroupFile()
  })
  return child
}

function killGroup (child, signal) {
  if (child.exited || !child.pid) return
  try { process.kill(-child.pid, signal) } catch {}
  try { process.kill(child.pid, signal) } catch {}
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the child is gone. */
export function stopChild (child, graceMs = 3000) {
  if (!child || child.exited) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs)
    const hard = setTimeout(resolve, graceMs + 2000) // never wait forever
    child.once('exit', () => {
      clearTimeout(t)
      clearTimeout(hard)
      // the group may still hold stragglers
      try { process.kill(-child.pid, 'SIGKILL') } catch {}
      resolve()
    })
    killGroup(child, 'SIGTERM')
  })
}

/** Synchronous last resort, for process exit paths. */
export function killAllChildren () {
  for (const child of children) killGroup(child, 'SIGKILL')
  children.clear()
}

let installed = false
export function installExitHandlers () {
  if (installed) return
  installed = true
  process.on('exit', killAllChildren)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\n${sig}: stopping all benchmark processes`)
      killAllChildren()
      process.exit(130)
    })
  }
  process.on('uncaughtException', (err) => {
    console.error(err)
    killAllChildren()
    process.exit(1)
  })
  process.on('unhandledRejection', (err) => {
    console.error(err)
    killAllChildren()
    process.exit(1)
  })
}

/** Keeps the last few lines of a stream (so a child never blocks on a full pipe). */
export function tailLines (stream, max = 20) {
  const lines = []
  let partial = ''
  stream.setEncoding('utf8')
  stream.on('data', (s) => {
    const parts = (partial + s).split('\n')
    partial = parts.pop()
    for (const l of parts) {
      lines.push(l)
      if (lines.length > max) lines.shift()
    }
    if (partial.length > 4096) partial = partial.slice(-4096)
  })
  return { lines: () => (partial ? [...lines, partial] : [...lines]) }
}
