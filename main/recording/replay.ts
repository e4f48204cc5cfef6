// Replay: publishes recorded messages again, in recording order, with their original spacing scaled by a
// speed (or as fast as the publisher takes them), with pause/resume/stop and throttled progress.
//
// Deterministic: messages go out one at a time in the order given, each publish awaited before the next,
// so the speed changes only when they go out, never which or in what order. The event loop is never held:
// waits are timers, and a run of messages already due yields (setImmediate) every few milliseconds.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ReplayClock, type ReplaySpeed } from './replay-clock.js';
import type { ReplayMessage } from './replay-messages.js';
import { ProgressThrottle, type ReplayProgress, type ReplayState } from './replay-progress.js';
import type { ReplayProperties } from './replay-properties.js';

export type { ReplaySpeed } from './replay-clock.js';
export type { ReplayProgress, ReplayState } from './replay-progress.js';

export interface ReplayPublishOptions {
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: ReplayProperties;
}

/** Where a replay publishes: resolves once the publish is complete (acknowledged for QoS 1/2). */
export interface ReplayPublisher {
  publish(topic: string, payload: Buffer, options: ReplayPublishOptions): Promise<void>;
}

/** A retained message to put in place before the recorded messages play. */
export interface RetainedFirst {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  properties?: ReplayProperties;
}

export interface ReplayOptions {
  /** 0.1–100 times the recorded pace, or 'max': as fast as the publisher completes them. */
  speed: ReplaySpeed;
  /** Published (retained) first, in this order, before the recorded messages start. */
  retainedFirst?: readonly RetainedFirst[];
  /** Play from this recording time (epoch µs): earlier messages are left out and time counts from here. */
  startAtUs?: number;
  /** How many messages the source holds, when it is not an array (for progress). */
  total?: number;
  /** Progress, at most about ten times a second, and at once on every change of state. */
  onProgress?: (progress: ReplayProgress) => void;
}

/** Yield to the event loop after this long of back-to-back publishing. */
const YIELD_EVERY_MS = 8;

export class Replay {
  /** Resolves when the replay ends ('done' or 'stopped'), with the last progress; it never rejects. */
  readonly finished: Promise<ReplayProgress>;

  private readonly clock: ReplayClock;
  private readonly throttle: ProgressThrottle;
  private state: ReplayState = 'playing';
  private paused = false;
  private error: string | undefined;
  private published = 0;
  private retainedPublished = 0;
  private readonly total: number | null;
  /** Recording time (epoch µs) the clock counts from; null until known. */
  private originUs: number | null = null;
  /** Offset (µs from the origin) of the message being waited for or published. */
  private nextOffsetUs: number | null = null;
  private publishing: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastYieldMs = performance.now();
  private lastReported = '';

  constructor(
    private readonly messages: Iterable<ReplayMessage> | AsyncIterable<ReplayMessage>,
    private readonly publisher: ReplayPublisher,
    private readonly options: ReplayOptions,
  ) {
    this.clock = new ReplayClock(options.speed);
    this.throttle = new ProgressThrottle(() => this.report());
    this.total = countOf(messages, options);
    this.finished = this.run();
  }

  get progress(): ReplayProgress {
    return {
      published: this.published,
      total: this.total,
      positionUs: this.positionUs(),
      state: this.state,
      retainedPublished: this.retainedPublished,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  get speed(): ReplaySpeed {
    return this.clock.speed;
  }

  /** Holds the next publish; resolves once the one under way (if any) is complete. */
  pause(): Promise<void> {
    if (this.state === 'playing') {
      this.paused = true;
      this.clock.pause();
      this.changeState('paused');
    }
    return this.settled();
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.paused = false;
    if (this.originUs !== null) this.clock.run();
    this.changeState('playing');
  }

  /** Ends the replay: nothing is published after the publish under way. Resolves when it has ended. */
  async stop(): Promise<ReplayProgress> {
    if (this.state === 'playing' || this.state === 'paused') {
      this.clock.pause();
      this.changeState('stopped');
    }
    return this.finished;
  }

  /** Changes the pace from the current position on (throws a RangeError for a speed out of range). */
  setSpeed(speed: ReplaySpeed): void {
    this.clock.setSpeed(speed);
    this.wakeUp();
  }

  private async run(): Promise<ReplayProgress> {
    try {
      await this.publishRetainedFirst();
      if (this.options.startAtUs !== undefined) this.startClock(this.options.startAtUs);
      for await (const message of this.messages) {
        if (this.ended()) break;
        if (this.options.startAtUs !== undefined && message.timeUs < this.options.startAtUs) continue;
        if (this.originUs === null) this.startClock(message.timeUs);
        const offsetUs = message.timeUs - this.originUs!;
        this.nextOffsetUs = Math.max(this.nextOffsetUs ?? 0, offsetUs);
        if (!(await this.publishWhenDue(message, offsetUs))) break;
        this.published++;
        this.clock.reached(offsetUs);
        this.throttle.tick();
        await this.breathe();
      }
      if (!this.ended()) this.changeState('done');
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.changeState('stopped');
    }
    this.throttle.flush();
    return this.progress;
  }

  private async publishRetainedFirst(): Promise<void> {
    for (const m of this.options.retainedFirst ?? []) {
      while (this.paused && !this.ended()) await this.waitForChange(Infinity);
      if (this.ended()) return;
      await this.track(this.publisher.publish(m.topic, m.payload, { qos: m.qos, retain: true, ...(m.properties ? { properties: m.properties } : {}) }));
      this.retainedPublished++;
      this.throttle.tick();
      await this.breathe();
    }
  }

  /** Waits for the message's time, then publishes it; false when the replay was stopped first. */
  private async publishWhenDue(message: ReplayMessage, offsetUs: number): Promise<boolean> {
    for (;;) {
      if (this.ended()) return false;
      const waitMs = this.paused ? Infinity : this.clock.msUntil(offsetUs);
      if (waitMs > 0) {
        await this.waitForChange(waitMs);
        continue;
      }
      // Checked and started in the same turn: a pause or stop that came first is always seen.
      const options: ReplayPublishOptions = { qos: message.qos, retain: message.retain };
      if (message.properties) options.properties = message.properties;
      await this.track(this.publisher.publish(message.topic, message.payload, options));
      return true;
    }
  }

  private startClock(originUs: number): void {
    this.originUs = originUs;
    if (!this.paused) this.clock.run();
  }

  private ended(): boolean {
    return this.state === 'stopped' || this.state === 'done';
  }

  private positionUs(): number | null {
    if (this.originUs === null) return null;
    if (this.nextOffsetUs === null) return this.originUs;
    // The clock may run ahead of a slow publisher; the position is never past the next message not yet out.
    return this.originUs + Math.round(Math.min(this.clock.positionUs, this.nextOffsetUs));
  }

  /** Tells onProgress, unless nothing changed since it was last told (the end flushes more than once). */
  private report(): void {
    const progress = this.progress;
    const key = JSON.stringify(progress);
    if (key === this.lastReported) return;
    this.lastReported = key;
    this.options.onProgress?.(progress);
  }

  private changeState(state: ReplayState): void {
    this.state = state;
    this.wakeUp();
    this.throttle.flush();
  }

  private track(publish: Promise<void>): Promise<void> {
    this.publishing = publish;
    return publish.finally(() => {
      if (this.publishing === publish) this.publishing = null;
    });
  }

  private settled(): Promise<void> {
    return this.publishing ? this.publishing.then(() => undefined, () => undefined) : Promise.resolve();
  }

  /** Sleeps up to `ms` (Infinity: until woken); pause, resume, stop and setSpeed wake it early. */
  private waitForChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      // Timers have 1 ms resolution; rounding up means the loop never spins on a wake that came too early.
      const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(1, Math.ceil(ms))) : null;
      const self = this;
      function done() {
        if (timer) clearTimeout(timer);
        if (self.wake === done) self.wake = null;
        self.lastYieldMs = performance.now();
        resolve();
      }
      this.wake = done;
    });
  }

  private wakeUp(): void {
    this.wake?.();
  }

  /** Lets the event loop run (sockets, timers, the UI's requests) during a run of messages already due. */
  private async breathe(): Promise<void> {
    if (performance.now() - this.lastYieldMs < YIELD_EVERY_MS) return;
    await nextTurn();
    this.lastYieldMs = performance.now();
  }
}

/** Starts replaying `messages` (see selectMessages / recordedMessages) through `publisher`. */
export function startReplay(
  messages: Iterable<ReplayMessage> | AsyncIterable<ReplayMessage>, publisher: ReplayPublisher, options: ReplayOptions,
): Replay {
  return new Replay(messages, publisher, options);
}

function countOf(messages: Iterable<ReplayMessage> | AsyncIterable<ReplayMessage>, options: ReplayOptions): number | null {
  if (!Array.isArray(messages)) return options.total ?? null;
  const from = options.startAtUs;
  return from === undefined ? messages.length : (messages as ReplayMessage[]).filter((m) => m.timeUs >= from).length;
}
