// The replay clock and the progress throttle, on a hand-driven time source: positions and schedules are
// exact, so these assert numbers without depending on how fast the machine is.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReplayClock, checkSpeed } from '../../main/recording/replay-clock.js';
import { ProgressThrottle } from '../../main/recording/replay-progress.js';

function manualTime() {
  let ms = 1000;
  return { now: () => ms, advance: (by: number) => { ms += by; } };
}

describe('replay clock', () => {
  it('schedules every message against one anchor: a late wake does not push the next one later', () => {
    const t = manualTime();
    const clock = new ReplayClock(2, t.now);
    clock.run();
    expect(clock.msUntil(1_000_000)).toBe(500); // 1 s of recording at 2× is 500 ms
    t.advance(700); // woke 200 ms late
    expect(clock.msUntil(1_000_000)).toBe(0);
    expect(clock.msUntil(2_000_000)).toBe(300); // still due at 1000 ms from the start, not 500 ms from now
    expect(clock.positionUs).toBe(1_400_000);
  });

  it('pause freezes the position, resume continues from it; setSpeed keeps the position', () => {
    const t = manualTime();
    const clock = new ReplayClock(1, t.now);
    clock.run();
    t.advance(100);
    clock.pause();
    t.advance(5000);
    expect(clock.positionUs).toBe(100_000);
    expect(clock.msUntil(200_000)).toBe(Infinity);
    clock.run();
    t.advance(50);
    expect(clock.positionUs).toBe(150_000);
    clock.setSpeed(10);
    expect(clock.positionUs).toBe(150_000);
    t.advance(10);
    expect(clock.positionUs).toBe(250_000);
    expect(clock.msUntil(1_250_000)).toBe(100);
  });

  it("at 'max' everything is due at once and the position follows the messages; a speed then continues from there", () => {
    const t = manualTime();
    const clock = new ReplayClock('max', t.now);
    clock.run();
    expect(clock.msUntil(9_000_000_000)).toBe(0);
    clock.reached(3_000_000);
    t.advance(1000);
    expect(clock.positionUs).toBe(3_000_000);
    clock.setSpeed(1);
    expect(clock.msUntil(3_500_000)).toBe(500);
  });

  it('speeds outside 0.1–100 are refused', () => {
    for (const bad of [0, 0.05, 101, -1, Number.NaN, Infinity]) expect(() => checkSpeed(bad)).toThrow(RangeError);
    for (const good of [0.1, 1, 100, 'max' as const]) expect(checkSpeed(good)).toBe(good);
    expect(() => new ReplayClock(0)).toThrow('replay speed must be');
  });
});

describe('progress throttle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits at most once per 100 ms however often it ticks, the last tick of a burst included', () => {
    vi.useFakeTimers();
    let emitted = 0;
    const throttle = new ProgressThrottle(() => emitted++, 100, () => Date.now());
    for (let i = 0; i < 10_000; i++) {
      throttle.tick();
      if (i % 100 === 0) vi.advanceTimersByTime(1); // 10,000 ticks over ~100 ms
    }
    expect(emitted).toBe(2); // the first at once, one more when its 100 ms were up
    vi.advanceTimersByTime(100);
    expect(emitted).toBe(3); // the trailing tick is not lost
    vi.advanceTimersByTime(1000);
    expect(emitted).toBe(3);
  });

  it('flush emits at once and drops the tick that was waiting', () => {
    vi.useFakeTimers();
    let emitted = 0;
    const throttle = new ProgressThrottle(() => emitted++, 100, () => Date.now());
    throttle.tick();
    throttle.tick();
    throttle.flush();
    expect(emitted).toBe(2);
    vi.advanceTimersByTime(500);
    expect(emitted).toBe(2);
  });
});
