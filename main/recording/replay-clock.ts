// The replay's position in recording time, driven by a monotonic clock. Every message is scheduled
// against one anchor (where the position was at which real moment), never by sleeping per message, so
// waits that wake late do not add up to drift. Pausing, resuming and changing speed move the anchor.

export type ReplaySpeed = number | 'max';

export const MIN_SPEED = 0.1;
export const MAX_SPEED = 100;

/** Throws a RangeError unless `speed` is 'max' or a number in 0.1–100. */
export function checkSpeed(speed: ReplaySpeed): ReplaySpeed {
  if (speed === 'max') return speed;
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED) {
    throw new RangeError(`replay speed must be 'max' or a number from ${MIN_SPEED} to ${MAX_SPEED}, not ${String(speed)}`);
  }
  return speed;
}

export class ReplayClock {
  private speedValue: ReplaySpeed;
  private running = false;
  /** Real time (ms, from `now`) at which the position was `anchorUs`. */
  private anchorMs = 0;
  /** Position in recording time, µs from the replay's time origin. */
  private anchorUs = 0;

  constructor(speed: ReplaySpeed, private readonly now: () => number = () => performance.now()) {
    this.speedValue = checkSpeed(speed);
  }

  get speed(): ReplaySpeed {
    return this.speedValue;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** µs of recording time since the origin. At 'max' it is where the messages got to (see `reached`). */
  get positionUs(): number {
    if (!this.running || this.speedValue === 'max') return this.anchorUs;
    return this.anchorUs + (this.now() - this.anchorMs) * 1000 * this.speedValue;
  }

  /** Starts (or resumes) the clock from where it stands. */
  run(): void {
    if (this.running) return;
    this.anchorMs = this.now();
    this.running = true;
  }

  pause(): void {
    if (!this.running) return;
    this.anchorUs = this.positionUs;
    this.running = false;
  }

  /** A new speed from the current position on: what was played stays played. */
  setSpeed(speed: ReplaySpeed): void {
    checkSpeed(speed);
    this.anchorUs = this.positionUs;
    this.anchorMs = this.now();
    this.speedValue = speed;
  }

  /** A message at `us` was published: at 'max' speed that is the position (time does not drive it). */
  reached(us: number): void {
    if (this.speedValue === 'max' && us > this.anchorUs) this.anchorUs = us;
  }

  /** Real ms until the position reaches `us`: 0 when it has (or at 'max'), Infinity while stopped. */
  msUntil(us: number): number {
    if (this.speedValue === 'max') return this.running ? 0 : Infinity;
    if (!this.running) return Infinity;
    const ahead = us - this.positionUs;
    return ahead <= 0 ? 0 : ahead / 1000 / this.speedValue;
  }
}
