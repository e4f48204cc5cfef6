// The topic tree: every topic the broker received a PUBLISH on (as seen in the event stream), with
// message counts and the last value; plus a numeric series for the topic being charted.
import type { TrafficRecord } from '../../../shared/contract/traffic.js';
import { asText, base64Bytes } from '../format.js';

/** Topics tracked; beyond this, messages to new topics are only counted in `untracked`. */
export const MAX_TOPICS = 10_000;
/** Points kept for the chart. */
export const SERIES_POINTS = 600;

export interface TopicStats {
  count: number;
  last: TrafficRecord;
}

export interface TopicNode {
  name: string;
  /** Full topic of this level. */
  path: string;
  /** Messages on this topic and every topic below it. */
  count: number;
  stats: TopicStats | undefined;
  children: TopicNode[];
}

export interface Series {
  /** Seconds (epoch) of each point. */
  times: number[];
  /** One array per numeric field (the payload itself is field "value"). */
  fields: Record<string, number[]>;
}

export class TopicsState {
  /** Bumped on every change: views derive the tree from it. */
  version = $state(0);
  untracked = $state(0);
  charted = $state<string | null>(null);
  series = $state.raw<Series>({ times: [], fields: {} });
  private readonly topics = new Map<string, TopicStats>();

  /** Takes PUBLISH packets the broker received. */
  packets(records: TrafficRecord[]): void {
    let changed = false;
    for (const r of records) {
      if (r.side !== 'broker' || r.direction !== 'in' || r.type !== 'publish' || r.topic === null) continue;
      const stats = this.topics.get(r.topic);
      if (stats) {
        stats.count++;
        stats.last = r;
      } else if (this.topics.size < MAX_TOPICS) {
        this.topics.set(r.topic, { count: 1, last: r });
      } else {
        this.untracked++;
        continue;
      }
      if (r.topic === this.charted) this.addPoint(r);
      changed = true;
    }
    if (changed) this.version++;
  }

  get(topic: string): TopicStats | undefined {
    return this.topics.get(topic);
  }

  /** The tree of every tracked topic, children sorted by name. */
  tree(): TopicNode[] {
    const root: TopicNode = { name: '', path: '', count: 0, stats: undefined, children: [] };
    const index = new Map<string, TopicNode>();
    for (const [topic, stats] of this.topics) {
      let node = root;
      let path = '';
      for (const level of topic.split('/')) {
        path = node === root ? level : `${path}/${level}`;
        let child = index.get(path);
        if (!child) {
          child = { name: level, path, count: 0, stats: undefined, children: [] };
          index.set(path, child);
          node.children.push(child);
        }
        child.count += stats.count;
        node = child;
      }
      node.stats = stats;
    }
    const sort = (nodes: TopicNode[]) => {
      nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const n of nodes) sort(n.children);
    };
    sort(root.children);
    return root.children;
  }

  chart(topic: string | null): void {
    this.charted = topic;
    this.series = { times: [], fields: {} };
    const last = topic ? this.topics.get(topic)?.last : undefined;
    if (last) this.addPoint(last);
  }

  clear(): void {
    this.topics.clear();
    this.untracked = 0;
    this.chart(null);
    this.version++;
  }

  private addPoint(record: TrafficRecord): void {
    const values = numericValues(record);
    if (!values) return;
    const { times, fields } = this.series;
    const n = times.length;
    const next: Series = { times: [...times, record.timeUs / 1e6], fields: {} };
    for (const key of new Set([...Object.keys(fields), ...Object.keys(values)])) {
      // A field missing from a message is a gap (null) in its line.
      const old = fields[key] ?? new Array<number>(n).fill(Number.NaN);
      next.fields[key] = [...old, values[key] ?? Number.NaN];
    }
    if (next.times.length > SERIES_POINTS) {
      next.times = next.times.slice(-SERIES_POINTS);
      for (const key of Object.keys(next.fields)) next.fields[key] = next.fields[key]!.slice(-SERIES_POINTS);
    }
    this.series = next;
  }
}

/** A payload that is a number ("25", "-3.5e2"), or a JSON object's top-level numbers; else null. */
export function numericValues(record: TrafficRecord): Record<string, number> | null {
  if (record.payloadSize > 4096) return null;
  const text = asText(base64Bytes(record.payload))?.trim();
  if (!text) return null;
  const n = Number(text);
  if (Number.isFinite(n)) return { value: n };
  if (!text.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const out: Record<string, number> = {};
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    return Object.keys(out).length > 0 ? out : null;
  } catch {
    return null;
  }
}
