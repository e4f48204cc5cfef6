// What the Timeline tab holds besides the packets themselves (workbench.timeline): mode, zoom, which
// lanes and ends are shown, the packet being looked at. One per Workbench, so it survives switching tabs.
import type { PacketType, TrafficRecord } from '../../../shared/contract/traffic.js';
import { topicFilterProblem } from '../../../shared/mqtt/topic.js';
import type { Workbench } from '../../lib/state/workbench.svelte.js';
import { PACKET_TYPES } from '../../../shared/mqtt/packet-types.js';
import { arrowOf, castOf, isEcho, laneOf, layout, willDeliveries, type Arrow, type Lane } from './lanes.js';
import { perWorkbench } from '../../lib/state/per-workbench.svelte.js';
import { passes } from '../../lib/state/timeline.svelte.js';

export const ZOOMS = [
  { label: 'Small', row: 24, font: 10.5 },
  { label: 'Medium', row: 30, font: 12 },
  { label: 'Large', row: 40, font: 14 },
] as const;


export class TimelineViewState {
  mode = $state<'diagram' | 'list'>('diagram');
  zoom = $state(1);
  /** Also draw the broker's record of a named client's packets (each exchange then shows twice). */
  bothEnds = $state(false);
  /** Lane ids not shown. */
  hidden = $state<string[]>([]);
  /** The packet in the detail panel (live records have no stable id: kept by reference). */
  selected = $state.raw<TrafficRecord | null>(null);
  topicInput = $state('');
  readonly topicProblem = $derived(this.topicInput === '' ? null : topicFilterProblem(this.topicInput));

  /** The packets in play: live ones, or a recording's up to the scrub cursor. */
  readonly source = $derived.by(() => (this.scrub.recording ? this.scrub.shown : this.timeline.records));
  readonly visible = $derived.by(() => (this.scrub.recording ? this.source.filter((r) => passes(r, this.timeline.filter)) : this.timeline.visible));
  readonly cast = $derived.by(() => castOf(this.workbench.clients.list, this.source));
  /** Every lane that could be shown, hidden or not (for the lanes menu). */
  readonly allLanes = $derived(layout(this.cast, []));
  readonly lanes = $derived(layout(this.cast, this.hidden));
  readonly laneMap = $derived(new Map(this.lanes.map((lane) => [lane.id, lane])));
  readonly wills = $derived(willDeliveries(this.source, this.cast));
  /** The packets drawn, oldest first: filtered, one end per named client's exchange unless both are asked for. */
  readonly rows = $derived.by(() => {
    const { cast, laneMap, bothEnds } = this;
    return this.visible.filter((r) => (bothEnds || !isEcho(r, cast)) && laneMap.has(laneOf(r, cast)));
  });
  readonly selectedIndex = $derived(this.selected ? this.rows.indexOf(this.selected) : -1);

  private constructor(private readonly workbench: Workbench) {}

  static for = perWorkbench((workbench) => new TimelineViewState(workbench));

  get timeline() {
    return this.workbench.timeline;
  }

  get scrub() {
    return this.workbench.scrub;
  }

  get size() {
    return ZOOMS[this.zoom] ?? ZOOMS[1];
  }

  arrow(record: TrafficRecord): Arrow | null {
    return arrowOf(record, this.cast, this.laneMap, this.wills);
  }

  lane(id: string): Lane | undefined {
    return this.allLanes.find((l) => l.id === id);
  }

  toggleLane(id: string): void {
    this.hidden = this.hidden.includes(id) ? this.hidden.filter((h) => h !== id) : [...this.hidden, id];
  }

  setTopic(text: string): void {
    this.topicInput = text;
    const topic = text.trim();
    if (topic === '' || topicFilterProblem(topic) === null) this.timeline.filter = { ...this.timeline.filter, topic };
  }

  /** Whether packets of this type are shown (an empty filter shows all). */
  showsType(type: PacketType): boolean {
    const types = this.timeline.filter.types;
    return types.length === 0 || types.includes(type);
  }

  toggleType(type: PacketType): void {
    const shown = PACKET_TYPES.filter((t) => (t === type ? !this.showsType(t) : this.showsType(t)));
    this.setTypes(shown.length === PACKET_TYPES.length ? [] : shown);
  }

  setTypes(types: PacketType[]): void {
    this.timeline.filter = { ...this.timeline.filter, types };
  }

  get typesText(): string {
    const types = this.timeline.filter.types;
    if (types.length === 0) return 'all types';
    if (types.length <= 2) return types.map((t) => t.toUpperCase()).join(', ');
    return `${types.length} types`;
  }

  togglePause(): void {
    this.timeline.paused = !this.timeline.paused;
  }

  clear(): void {
    this.timeline.clear();
    this.selected = null;
  }

  /** Keyboard moves in the rows; returns the index moved to, or null. */
  /** Arrow keys, Page Up/Down, Home/End move the selection; the list scrolls to it. */
  keydown(event: KeyboardEvent, scrollTo: (index: number) => void): void {
    const index = this.move(event.key);
    if (index === null) return;
    event.preventDefault();
    scrollTo(index);
  }

  private move(key: string): number | null {
    const steps: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };
    const step = steps[key];
    const last = this.rows.length - 1;
    if (step === undefined || last < 0) return null;
    const from = this.selectedIndex < 0 ? last + (step > 0 ? 1 : 0) : this.selectedIndex;
    const index = Math.min(last, Math.max(0, from + step));
    this.selected = this.rows[index] ?? null;
    return index;
  }
}
