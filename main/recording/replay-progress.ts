// Replay progress for a UI: what it reports, and a throttle so a fast replay reports at most about ten
// times a second however many messages it publishes.

export type ReplayState = 'playing' | 'paused' | 'stopped' | 'done';

export interface ReplayProgress {
  /** Recorded messages published so far (retainedFirst messages not included). */
  published: number;
  /** How many recorded messages the replay will publish, when known. */
  total: number | null;
  /** The recording time the replay has got to, epoch µs (null before its first message). */
  positionUs: number | null;
  state: ReplayState;
  /** retainedFirst messages published so far. */
  retainedPublished: number;
  /** Why it stopped, when a publish or the records failed. */
  error?: string;
}

export const PROGRESS_INTERVAL_MS = 100;

/** Calls `emit` on `tick()` at most once per interval; a tick inside the interval is sent at its end. */
export class ProgressThrottle {
  private lastMs = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emit: () => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  tick(): void {
    if (this.timer) return;
    const wait = this.lastMs + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Emits now (state changes are not held back), dropping a tick that was waiting. */
  flush(): void {
    this.cancel();
    this.lastMs = this.now();
    this.emit();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
