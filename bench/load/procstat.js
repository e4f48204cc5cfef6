// CPU and memory sampling of another process (the broker) from /proc, and of
// this process from process.cpuUsage().

import { readFileSync } from 'node:fs'

/** utime + stime of a process, in seconds; null if it cannot be read. */
export function procCpuSeconds (pid, clkTck = 100) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // The command name (field 2) may contain spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / clkTck
  } catch {
    return null
  }
}

/** Resident set size in KiB (VmRSS); null if it cannot be read. */
export function procRssKb (pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/** Machine-wide busy and steal time in seconds, from the first line of /proc/stat. */
export function systemCpuSeconds (clkTck = 100) {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]
    const f = line.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal ...
    const busy = f[0] + f[1] + f[2] + f[5] + f[6]
    return { busy: busy / clkTck, irq: (f[5] + f[6]) / clkTck, steal: (f[7] || 0) / clkTck }
  } catch {
    return null
  }
}

/**
 * Measures a window: call start(), later stop(). Reports the load generator's
 * own CPU (user+system of this process), the broker's CPU from /proc, and the
 * broker's RSS (start, end, peak sampled every 200 ms).
 */
export class Window {
  constructor (brokerPid, clkTck) {
    this.brokerPid = brokerPid
    this.clkTck = clkTck
    this.timer = null
  }

  start () {
    this.t0 = process.hrtime.bigint()
    this.cpu0 = process.cpuUsage()
    this.bcpu0 = this.brokerPid ? procCpuSeconds(this.brokerPid, this.clkTck) : null
    this.rss0 = this.brokerPid ? procRssKb(this.brokerPid) : null
    this.sys0 = systemCpuSeconds(this.clkTck)
    this.rssPeak = this.rss0
    if (this.brokerPid) {
      this.timer = setInterval(() => {
        const r = procRssKb(this.brokerPid)
        if (r !== null && (this.rssPeak === null || r > this.rssPeak)) this.rssPeak = r
      }, 200)
      this.timer.unref()
    }
  }

  stop () {
    const elapsed = Number(process.hrtime.bigint() - this.t0) / 1e9
    const cpu = process.cpuUsage(this.cpu0)
    const bcpu1 = this.brokerPid ? procCpuSeconds(this.brokerPid, this.clkTck) : null
    const rss1 = this.brokerPid ? procRssKb(this.brokerPid) : null
    const sys1 = systemCpuSeconds(this.clkTck)
    if (this.timer) clearInterval(this.timer)
    if (rss1 !== null && (this.rssPeak === null || rss1 > this.rssPeak)) this.rssPeak = rss1
    const loadCpuPct = ((cpu.user + cpu.system) / 1e6 / elapsed) * 100
    const brokerCpuPct = this.bcpu0 !== null && bcpu1 !== null ? ((bcpu1 - this.bcpu0) / elapsed) * 100 : null
    let otherCpuPct = null
    let irqPct = null
    let stealPct = null
    if (this.sys0 && sys1) {
      // Interrupt/softirq time (mostly the loopback TCP stack) is not charged
      // to any process; report it on its own. "other" is what remains: other
      // processes running on the machine meanwhile, in % of one core.
      irqPct = ((sys1.irq - this.sys0.irq) / elapsed) * 100
      otherCpuPct = Math.max(0, ((sys1.busy - this.sys0.busy) / elapsed) * 100 - irqPct - loadCpuPct - (brokerCpuPct ?? 0))
      stealPct = ((sys1.steal - this.sys0.steal) / elapsed) * 100
    }
    this.result = {
      seconds: elapsed,
      loadCpuPct,
      brokerCpuPct,
      otherCpuPct,
      irqPct,
      stealPct,
      brokerRssKb: { start: this.rss0, end: rss1, peak: this.rssPeak }
    }
    return this.result
  }
}
