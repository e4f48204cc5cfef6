// Starting the brokers under test, each as its own (pinned) child process.

import net from 'node:net'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { spawnPinned, stopChild, tailLines } from './procs.js'

export const LISTEN_RE = /^listening\s+tcp\s+mqtt:\/\/[^:]+:(\d+)/m
export const START_TIMEOUT_MS = 10000

export const mosquittoPath = (() => {
  if (fs.existsSync('/usr/sbin/mosquitto')) return '/usr/sbin/mosquitto'
  const r = spawnSync('bash', ['-c', 'command -v mosquitto'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null
})()

export function mosquittoVersion () {
  if (!mosquittoPath) return null
  const r = spawnSync(mosquittoPath, ['-h'], { encoding: 'utf8' })
  const m = /mosquitto version (\S+)/.exec(`${r.stdout}${r.stderr}`)
  return m ? m[1] : 'unknown'
}

function aedesVersion (repoRoot) {
  try {
    return JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', 'aedes', 'package.json'), 'utf8')).version
  } catch {
    return '?'
  }
}

/** A free TCP port on 127.0.0.1 (bind 0, read, close). */
export function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function tryConnect (port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' })
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => { s.destroy(); resolve(false) })
  })
}

function describeFailure (child, out, err, fallback) {
  const lines = [...err.lines(), ...out.lines()].map((l) => l.trim()).filter(Boolean)
  const last = lines.find((l) => /error|cannot|not found|ERR_|unknown/i.test(l)) ?? lines[lines.length - 1]
  const exit = child.exitInfo ? `exited with ${child.exitInfo.signal ?? 'code ' + child.exitInfo.code}` : fallback
  return last ? `${exit}: ${last.slice(0, 160)}` : exit
}

/**
 * Starts a program that announces "listening  tcp  mqtt://HOST:PORT" on
 * stdout; resolves { child, port } or rejects with a one-line reason.
 */
function startAnnouncing (argv, { cwd, core }) {
  return new Promise((resolve, reject) => {
    const child = spawnPinned(argv, { core, cwd })
    const out = tailLines(child.stdout)
    const err = tailLines(child.stderr)
    let buf = ''
    let settled = false
    const finish = (fn, v) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.stdout.off('data', onData)
      fn(v)
    }
    const onData = (s) => {
      buf += s
      const m = LISTEN_RE.exec(buf)
      if (m) finish(resolve, { child, port: Number(m[1]), out, err })
      if (buf.length > 65536) buf = buf.slice(-4096)
    }
    child.stdout.on('data', onData)
    child.once('exit', () => setTimeout(() => finish(reject, new Error(describeFailure(child, out, err, 'exited'))), 50))
    child.once('error', (e) => finish(reject, e))
    const timer = setTimeout(() => {
      finish(reject, new Error(`no "listening tcp" line within ${START_TIMEOUT_MS / 1000} s${err.lines().length ? ': ' + err.lines().slice(-1)[0].slice(0, 160) : ''}`))
      stopChild(child, 500)
    }, START_TIMEOUT_MS)
  })
}

async function startMosquitto ({ core, limits, nodelay }) {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mosquitto-'))
  const conf = path.join(dir, 'mosquitto.conf')
  fs.writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    `max_queued_messages ${limits.maxQueued}`,
    `max_inflight_messages ${limits.maxInflight}`,
    'persistence false',
    'sys_interval 0',
    'log_dest none',
    ...(nodelay ? ['set_tcp_nodelay true'] : []),
    ''
  ].join('\n'))
  const child = spawnPinned([mosquittoPath, '-c', conf], { core, cwd: dir })
  const out = tailLines(child.stdout)
  const err = tailLines(child.stderr)
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true })
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exited) {
      cleanup()
      throw new Error(describeFailure(child, out, err, 'exited'))
    }
    if (await tryConnect(port)) {
      cleanup() // the config has been read; nothing to leave behind in /tmp
      return { child, port, out, err }
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await stopChild(child, 500)
  cleanup()
  throw new Error(`not accepting connections on ${port} within ${START_TIMEOUT_MS / 1000} s`)
}

/**
 * Broker definitions. start() resolves a handle with pid, port and stop().
 * `oursCmd` (array) replaces the command for "ours", e.g. to point it at
 * another build or, for testing the harness, at bench/brokers/aedes.js.
 */
export function brokerDefs ({ repoRoot, core, oursCmd, limits, nodelay = false }) {
  const wrap = async (p) => {
    const h = await p
    return {
      pid: h.child.pid,
      port: h.port,
      child: h.child,
      exited: () => h.child.exited,
      exitInfo: () => h.child.exitInfo,
      lastOutput: () => {
        const lines = [...h.err.lines(), ...h.out.lines()].map((l) => l.trim()).filter(Boolean)
        const errLine = lines.find((l) => /^(\w*Error\b|Error:)|\bError:/.test(l))
        const at = errLine ? lines.slice(lines.indexOf(errLine), lines.indexOf(errLine) + 2) : lines.slice(-2)
        return at
      },
      stop: async () => {
        await stopChild(h.child)
        h.cleanup?.()
      }
    }
  }
  return {
    ours: {
      name: 'ours',
      describe: oursCmd ? oursCmd.join(' ') : 'node bin/mqtt-workbench.js broker',
      available: () => null,
      start: () => wrap(startAnnouncing(oursCmd ?? [process.execPath, 'bin/mqtt-workbench.js', 'broker',
        '--host', '127.0.0.1', '--port', '0', '--ws-port', '0', '--sys-interval', '0'], { cwd: repoRoot, core }))
    },
    aedes: {
      name: 'aedes',
      describe: `aedes ${aedesVersion(repoRoot)} (bench/brokers/aedes.js${nodelay ? ' --nodelay' : ''})`,
      available: () => null,
      start: () => wrap(startAnnouncing([process.execPath, 'bench/brokers/aedes.js', '--port', '0', ...(nodelay ? ['--nodelay'] : [])], { cwd: repoRoot, core }))
    },
    mosquitto: {
      name: 'mosquitto',
      describe: mosquittoPath ? `mosquitto ${mosquittoVersion()} (${mosquittoPath}${nodelay ? ', set_tcp_nodelay true' : ''})` : 'mosquitto',
      available: () => (mosquittoPath ? null : 'mosquitto not installed'),
      start: () => wrap(startMosquitto({ core, limits, nodelay }))
    }
  }
}
