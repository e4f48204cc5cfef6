// A recording shown instead of live traffic: a cursor over its packets that plays at the recorded pace
// times a speed, steps, and jumps; the broker's state as of the cursor comes from the core (asOf).
import type { RecordingInfo } from '../../../shared/contract/recordings.js';
import type { TrafficRecord } from '../../../shared/contract/traffic.js';
import { StateAsOf } from './as-of.svelte.js';
import type { Workbench } from './workbench.svelte.js';

/** Packets loaded for scrubbing (the timeline keeps as many live ones). */
export const SCRUB_CAPACITY = 5000;
export const SCRUB_SPEEDS = [0.1, 0.5, 1, 2, 5, 10, 100] as const;

export class ScrubState {
  recording = $state.raw<RecordingInfo | null>(null);
  records = $state.raw<TrafficRecord[]>([]);
  /** More packets than SCRUB_CAPACITY: only the first ones are here. */
  truncated = $state(false);
  /** Index of the last packet shown; -1: none yet (the start of the recording). */
  cursor = $state(-1);
  playing = $state(false);
  speed = $state(1);
  readonly shown = $derived(this.records.slice(0, this.cursor + 1));
  /** Recording time at the cursor (epoch µs): the start before the first packet. */
  readonly atUs = $derived(this.cursor >= 0 ? this.records[this.cursor]!.timeUs : (this.recording?.startedUs ?? 0));
  /** The packet at the cursor, counted from 1 over the whole recording; 0 before the first. */
  readonly position = $derived(this.cursor + 1);
  /** Packets in the recording. */
  readonly total = $derived(this.records.length);
  /** The retained store and the sessions as of the cursor. */
  readonly asOf: StateAsOf;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly workbench: Workbench) {
    this.asOf = new StateAsOf(workbench);
  }

  async open(info: RecordingInfo): Promise<void> {
    this.close();
    const records: TrafficRecord[] = [];
    let cursor: number | undefined;
    do {
      const page = await this.workbench.call('recording.query', { id: info.id, order: 'asc', limit: 1000, ...(cursor ? { cursor } : {}) });
      if (!page) return;
      records.push(...page.records);
      cursor = page.next ?? undefined;
    } while (cursor !== undefined && records.length < SCRUB_CAPACITY);
    this.truncated = cursor !== undefined;
    this.recording = info;
    this.records = records.slice(0, SCRUB_CAPACITY);
    this.moveTo(-1);
  }

  close(): void {
    this.pause();
    this.asOf.clear();
    this.recording = null;
    this.records = [];
    this.cursor = -1;
  }

  play(): void {
    if (this.playing || this.recording === null) return;
    if (this.cursor >= this.records.length - 1) this.moveTo(-1); // at the end: from the start again
    this.playing = true;
    this.scheduleNext();
  }

  pause(): void {
    this.playing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  step(by: 1 | -1): void {
    this.pause();
    this.moveTo(Math.min(this.records.length - 1, Math.max(-1, this.cursor + by)));
  }

  /** To the last packet at or before `timeUs`. */
  jumpTo(timeUs: number): void {
    this.pause();
    let index = -1;
    for (let lo = 0, hi = this.records.length - 1; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      if (this.records[mid]!.timeUs <= timeUs) {
        index = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    this.moveTo(index);
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    if (this.playing) {
      this.pause();
      this.play();
    }
  }

  /** The next packet after the recorded gap to it, scaled by the speed. */
  private scheduleNext(): void {
    const next = this.records[this.cursor + 1];
    if (!next) {
      this.pause();
      return;
    }
    const gapMs = (next.timeUs - this.atUs) / 1000 / this.speed;
    this.timer = setTimeout(() => {
      this.moveTo(this.cursor + 1);
      if (this.playing) this.scheduleNext();
    }, Math.max(0, gapMs));
  }

  private moveTo(index: number): void {
    this.cursor = index;
    if (this.recording) this.asOf.follow(this.recording.id, this.atUs);
  }
}
