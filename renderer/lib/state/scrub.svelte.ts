// A recording shown instead of live traffic: a cursor over its packets that plays at the recorded pace
// times a speed, steps, and jumps; the broker's state as of the cursor comes from the core (asOf).
// A recording may hold millions of packets: only a window of them is here (scrub-window.ts), read
// around the cursor as it moves. Positions count over the whole recording and are the records' ids.
import type { RecordingInfo } from '../../../shared/contract/recordings.js';
import type { TrafficRecord } from '../../../shared/contract/traffic.js';
import { StateAsOf } from './as-of.svelte.js';
import {
  PAGE_SIZE, WINDOW_CAPACITY, idAtTime, indexOfPosition, joinWindow, lastAtOrBefore, lastUpToId, readAfter, readAround, readBefore,
  type ReadPage,
} from './scrub-window.js';
import type { Workbench } from './workbench.svelte.js';

export const SCRUB_SPEEDS = [0.1, 0.5, 1, 2, 5, 10, 100] as const;
/** The next page is read once the cursor is this close to the window's edge, so playing does not stall. */
const PREFETCH_MARGIN = PAGE_SIZE / 2;

/** Where a seek wants the cursor: a position, or the last packet at or before a time. */
type Goal = { position: number } | { timeUs: number };
/** A window read for a goal or for the edge, with the position to put the cursor on (null: where it is). */
type Placement = { records: TrafficRecord[]; position: number | null };

export class ScrubState {
  recording = $state.raw<RecordingInfo | null>(null);
  /** The largest position read so far (a recording still recording may have grown past its info). */
  private lastSeen = $state(0);
  /** A window of consecutive packets of the recording (about WINDOW_CAPACITY at most) around the cursor. */
  records = $state.raw<TrafficRecord[]>([]);
  /** Index in `records` of the last packet shown; -1: none yet (the start of the recording). */
  cursor = $state(-1);
  playing = $state(false);
  speed = $state(1);
  /** A seek waits for its part of the recording to be read. */
  seeking = $state(false);
  readonly shown = $derived(this.records.slice(0, this.cursor + 1));
  /** Recording time at the cursor (epoch µs): the start before the first packet. */
  readonly atUs = $derived(this.cursor >= 0 ? this.records[this.cursor]!.timeUs : (this.recording?.startedUs ?? 0));
  /** The packet at the cursor, counted from 1 over the whole recording; 0 before the first. */
  readonly position = $derived(this.cursor >= 0 ? this.records[this.cursor]!.id : 0);
  /** Packets in the recording: one still recording grows (its info comes with 'recording' events). */
  readonly total = $derived(Math.max(this.recording?.packets ?? 0, this.liveInfo()?.packets ?? 0, this.lastSeen));
  /** The retained store and the sessions as of the cursor. */
  readonly asOf: StateAsOf;

  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped by pause(): a playback waiting for a read goes on only if it is still the same run. */
  private run = 0;
  /** The latest seek still waiting for its read. */
  private goal: Goal | null = null;
  /** Bumped by every new goal and by close(): a read for an older one is dropped. */
  private generation = 0;
  /** An edge whose read gave nothing (an error, or fewer packets than counted): not read again until the
   *  window changes or the user moves, so a failing core is not asked in a loop. */
  private spentEdge: 'start' | 'end' | null = null;
  /** Reads run one at a time, in pump(); it is running while this is set. */
  private pumping: Promise<void> | null = null;

  constructor(private readonly workbench: Workbench) {
    this.asOf = new StateAsOf(workbench);
  }

  async open(info: RecordingInfo): Promise<void> {
    this.close();
    const generation = this.generation;
    const records = await readAround(this.reader(info.id, generation), 1);
    if (!records || generation !== this.generation) return;
    this.recording = info;
    this.place({ records, position: 0 });
  }

  close(): void {
    this.pause();
    this.generation++;
    this.goal = null;
    this.seeking = false;
    this.spentEdge = null;
    this.asOf.clear();
    this.recording = null;
    this.records = [];
    this.lastSeen = 0;
    this.cursor = -1;
  }

  play(): void {
    if (this.playing || this.recording === null) return;
    this.spentEdge = null;
    if (this.goal === null && this.position >= this.total) this.seek({ position: 0 }); // at the end: from the start again
    this.playing = true;
    this.scheduleNext();
  }

  pause(): void {
    this.playing = false;
    this.run++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  step(by: 1 | -1): void {
    this.pause();
    // Steps taken while a seek is still reading count from where it goes.
    const from = this.goal && 'position' in this.goal ? this.goal.position : this.position;
    this.seek({ position: from + by });
  }

  /** To the last packet at or before `timeUs`. */
  jumpTo(timeUs: number): void {
    this.pause();
    this.seek({ timeUs });
  }

  /** To the packet at `position` of the whole recording (0: before the first). */
  jumpToPosition(position: number): void {
    this.pause();
    this.seek({ position });
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    if (this.playing) {
      this.pause();
      this.play();
    }
  }

  /** In the window: there at once (a seek still reading is dropped). Otherwise once that part is read. */
  private seek(wanted: Goal): void {
    this.spentEdge = null;
    const goal = 'position' in wanted ? { position: Math.min(Math.max(0, wanted.position), this.total) } : wanted;
    const index = this.indexInWindow(goal);
    if (index !== null) {
      if (this.goal) this.clearGoal();
      this.moveTo(index);
      return;
    }
    this.goal = goal;
    this.seeking = true;
    this.generation++;
    this.pump();
  }

  /** The window's index for a goal, or null when the answer may lie outside the window. */
  private indexInWindow(goal: Goal): number | null {
    if ('position' in goal) return indexOfPosition(this.records, goal.position);
    const index = lastAtOrBefore(this.records, goal.timeUs);
    // The first record of the window is after the time: the answer is before it, if there is a before.
    if (index < 0) return this.hasBefore() ? null : -1;
    // The last one is at or before it: a later record may be too.
    return index === this.records.length - 1 && this.hasAfter() ? null : index;
  }

  /** No seek waits any more; a read still under way for one is dropped when it comes. */
  private clearGoal(): void {
    this.goal = null;
    this.seeking = false;
    this.generation++;
  }

  /** Starts the reads unless they run already: they run one at a time, so rapid seeks do not pile up. */
  private pump(): void {
    if (this.pumping || !this.hasWork()) return;
    this.pumping = this.readWhileWanted().finally(() => {
      this.pumping = null;
      this.pump(); // work that came as the loop ended
    });
  }

  private hasWork(): boolean {
    return this.recording !== null && (this.goal !== null || this.nearEdge() !== null);
  }

  /** The latest goal first, else a page at the edge the cursor is near; until neither is wanted. */
  private async readWhileWanted(): Promise<void> {
    while (this.recording && this.hasWork()) {
      const goal = this.goal;
      const edge = this.nearEdge();
      const generation = this.generation;
      const read = this.reader(this.recording.id, generation);
      const placement = goal ? await this.readForGoal(goal, read) : await this.withPage(edge!, read, null);
      if (generation !== this.generation) continue; // a newer goal (or close) came meanwhile
      if (goal) this.clearGoal();
      if (placement) this.place(placement);
      else if (!goal) this.spentEdge = edge;
    }
  }

  /** A page next to the window when the goal is just past an edge (stepping), else a new window around it. */
  private async readForGoal(goal: Goal, read: ReadPage): Promise<Placement | null> {
    const position = 'position' in goal ? goal.position : await idAtTime(read, goal.timeUs);
    if (position === null) return null;
    if (indexOfPosition(this.records, position) !== null) return { records: this.records, position };
    const first = this.records[0]?.id ?? 1;
    const last = this.records.at(-1)?.id ?? 0;
    if (this.records.length > 0 && position > last && position <= last + PAGE_SIZE) return this.withPage('end', read, position);
    if (position > 0 && position < first && position >= first - PAGE_SIZE) return this.withPage('start', read, position);
    const records = await readAround(read, position);
    return records && { records, position };
  }

  /** The next or previous page joined to the window; the cursor goes to `position` (null: kept where it is). */
  private async withPage(edge: 'start' | 'end', read: ReadPage, position: number | null): Promise<Placement | null> {
    const page = edge === 'end'
      ? await readAfter(read, this.records.at(-1)?.id ?? 0, PAGE_SIZE)
      : await readBefore(read, this.records[0]?.id ?? 1, PAGE_SIZE);
    if (!page || (position === null && page.length === 0)) return null;
    // The cursor may have moved while the page was read (playing): keep it where it is now.
    const keep = position === null ? this.cursor : lastUpToId(this.records, position);
    return { records: joinWindow(this.records, page, edge, keep, WINDOW_CAPACITY), position };
  }

  /** The edge whose next page should be read now, so the cursor does not run into it. */
  private nearEdge(): 'start' | 'end' | null {
    if (this.recording === null) return null;
    if (this.cursor >= this.records.length - PREFETCH_MARGIN && this.hasAfter() && this.spentEdge !== 'end') return 'end';
    if (this.cursor < PREFETCH_MARGIN && this.hasBefore() && this.spentEdge !== 'start') return 'start';
    return null;
  }

  private hasAfter(): boolean {
    return (this.records.at(-1)?.id ?? 0) < this.total;
  }

  private hasBefore(): boolean {
    return (this.records[0]?.id ?? 1) > 1;
  }

  /** A read of this recording's pages that stops asking once a newer goal (or close) made it stale. */
  private reader(id: string, generation: number): ReadPage {
    return (query) => (generation === this.generation ? this.workbench.call('recording.query', { id, ...query }) : Promise.resolve(null));
  }

  /** Shows `records` as the window, with the cursor on `position` (null: on the packet it is on now). */
  private place({ records, position }: Placement): void {
    const at = position ?? this.position;
    if (records !== this.records) this.spentEdge = null;
    this.records = records;
    this.lastSeen = Math.max(this.lastSeen, records.at(-1)?.id ?? 0);
    // Not in it (a recording shorter than counted): the nearest packet it has.
    this.moveTo(indexOfPosition(records, at) ?? Math.min(Math.max(lastUpToId(records, at), 0), records.length - 1));
  }

  /** The next packet after the recorded gap to it, scaled by the speed; at the window's end, after a read. */
  private scheduleNext(waited = false): void {
    const next = this.goal ? undefined : this.records[this.cursor + 1];
    if (next) {
      const gapMs = (next.timeUs - this.atUs) / 1000 / this.speed;
      this.timer = setTimeout(() => {
        this.moveTo(this.cursor + 1);
        if (this.playing) this.scheduleNext();
      }, Math.max(0, gapMs));
      return;
    }
    if (this.pumping === null && (waited || !this.hasAfter())) return this.pause(); // the end of the recording
    this.pump();
    if (this.pumping === null) return this.pause();
    const run = this.run;
    void this.pumping.then(() => {
      if (this.run === run) this.scheduleNext(true);
    });
  }

  /** The recording's info as 'recording' events keep it current. */
  private liveInfo(): RecordingInfo | undefined {
    const id = this.recording?.id;
    return id === undefined ? undefined : this.workbench.recordings.list.find((r) => r.id === id);
  }

  private moveTo(index: number): void {
    this.cursor = index;
    if (this.recording) this.asOf.follow(this.recording, this.position);
    if (this.nearEdge()) this.pump();
  }
}
