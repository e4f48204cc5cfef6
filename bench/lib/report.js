// Table formatting for bench/run.js.

export function fmtNum (v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-'
  const a = Math.abs(v)
  if (a >= 1000) return Math.round(v).toLocaleString('en-US')
  if (a >= 100) return v.toFixed(0)
  if (a >= 10) return v.toFixed(1)
  if (a >= 1) return v.toFixed(2)
  return v.toFixed(3)
}

const fmtPct = (v) => (v === null || v === undefined ? '-' : `${Math.round(v)}`)

export function ratio (a, b) {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null
  return a / b
}

/**
 * cells[brokerName][rowId] = { value, loadCpuPct, brokerCpuPct } or
 * { status: 'n/a' | 'ERR' }.
 */
export function renderTable ({ rows, brokers, cells }) {
  const head = ['scenario / metric', 'unit', 'better', ...brokers, 'ours/aedes', 'ours/mosquitto',
    `loadgen CPU% (${brokers.map((b) => b[0]).join('/')})`, `broker CPU% (${brokers.map((b) => b[0]).join('/')})`]
  const body = []
  for (const r of rows) {
    const val = (b) => {
      const c = cells[b]?.[r.id]
      if (!c) return 'n/a'
      if (c.status) return c.status
      return fmtNum(c.value)
    }
    const num = (b) => {
      const c = cells[b]?.[r.id]
      return c && !c.status ? c.value : null
    }
    const rat = (b) => {
      if (!brokers.includes('ours') || !brokers.includes(b)) return 'n/a'
      const x = ratio(num('ours'), num(b))
      return x === null ? 'n/a' : x.toFixed(2)
    }
    const cpu = (key) => brokers.map((b) => {
      const c = cells[b]?.[r.id]
      return c && !c.status ? fmtPct(c[key]) : '-'
    }).join('/')
    body.push([r.label, r.unit, r.better === 'higher' ? 'higher' : 'lower', ...brokers.map(val), rat('aedes'), rat('mosquitto'),
      cpu('loadCpuPct'), cpu('brokerCpuPct')])
  }
  const all = [head, ...body]
  const widths = head.map((_, i) => Math.max(...all.map((row) => String(row[i]).length)))
  const numeric = (i) => i >= 3
  const line = (row) => '| ' + row.map((c, i) => (numeric(i) ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join(' | ') + ' |'
  const sep = '|' + widths.map((w, i) => (numeric(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|'
  return [line(head), sep, ...body.map(line)].join('\n')
}
