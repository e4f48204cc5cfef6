// "What is flooding my broker": PUBLISH rates per client and per topic subtree over the last window.
import type { Counters, RateEntry } from '../../shared/contract/broker.js';

const TOP = 20;

interface Tally {
  in: number;
  out: number;
}

export class RateCounters {
  private clients = new Map<string, Tally>();
  private topics = new Map<string, Tally>();
  private windowStart = Date.now();

  /** One PUBLISH seen by the broker: `in` from a client, `out` to one. */
  count(clientId: string, topic: string, direction: 'in' | 'out'): void {
    bump(this.clients, clientId, direction);
    const levels = topic.split('/', 2);
    bump(this.topics, `${levels[0]}/#`, direction);
    if (levels.length > 1) bump(this.topics, `${levels[0]}/${levels[1]}/#`, direction);
  }

  /** The rates since the last snapshot, busiest first; starts a new window. */
  snapshot(now = Date.now()): Counters {
    const windowMs = Math.max(1, now - this.windowStart);
    const counters = { at: now, windowMs, clients: top(this.clients, windowMs), topics: top(this.topics, windowMs) };
    this.clients = new Map();
    this.topics = new Map();
    this.windowStart = now;
    return counters;
  }
}

function bump(map: Map<string, Tally>, key: string, direction: 'in' | 'out'): void {
  let tally = map.get(key);
  if (!tally) map.set(key, (tally = { in: 0, out: 0 }));
  tally[direction]++;
}

function top(map: Map<string, Tally>, windowMs: number): RateEntry[] {
  return [...map]
    .sort((a, b) => b[1].in + b[1].out - (a[1].in + a[1].out))
    .slice(0, TOP)
    .map(([key, t]) => ({ key, inPerS: (t.in * 1000) / windowMs, outPerS: (t.out * 1000) / windowMs }));
}
