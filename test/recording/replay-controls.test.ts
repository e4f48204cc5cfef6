// Replay controls on a real broker with real clients: pause holds every publish until resume, stop ends
// it for good, a speed change keeps the position, progress is throttled, and a replay never holds the
// event loop. Windows of quiet are checked by counting messages, never by how fast anything went.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReplayMessage } from '../../main/recording/replay-messages.js';
import { mqttPublisher } from '../../main/recording/replay-mqtt.js';
import { startReplay, type ReplayProgress, type ReplayPublisher } from '../../main/recording/replay.js';
import { connect, end, sleep, startBroker, until, withTimeout, type TestBroker } from '../helpers/broker.js';
import type { MqttClient } from 'mqtt';

const T0 = 1_700_000_000_000_000;

/** `count` messages `gapUs` apart in recording time, QoS cycling 0/1/2. */
function messages(count: number, gapUs: number): ReplayMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    recordId: i + 1, timeUs: T0 + i * gapUs, connection: 'dev', topic: `ctl/${i}`,
    payload: Buffer.from(`m${i}`), qos: (i % 3) as 0 | 1 | 2, retain: false,
  }));
}

let target: TestBroker;
let subscriber: MqttClient;
let publisher: MqttClient;
let got: string[];

beforeEach(async () => {
  target = await startBroker();
  subscriber = await connect(target.url, { clientId: 'watcher' });
  got = [];
  subscriber.on('message', (_topic, payload) => got.push(payload.toString()));
  await withTimeout(subscriber.subscribeAsync('ctl/#', { qos: 2 }), 5000, 'SUBACK');
  publisher = await connect(target.url, { clientId: 'replayer' });
});
afterEach(async () => {
  await end(subscriber, publisher);
  await target.close();
});

const names = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => `m${from + i}`);
/** A quiet window: long enough that a replay still going would have published (messages here are 100 ms apart). */
const QUIET_MS = 400;

describe('replay controls', () => {
  it('pause holds every publish until resume; resume continues where it was; setSpeed keeps the position', async () => {
    const all = messages(30, 1_000_000); // 1 s apart, played at 10×: one every 100 ms
    const states: string[] = [];
    const replay = startReplay(all, mqttPublisher(publisher), { speed: 10, onProgress: (p) => states.push(p.state) });
    await until(() => got.length >= 3, 'three messages', 5000);
    await replay.pause();
    const held = replay.progress.published;
    expect(replay.progress.state).toBe('paused');
    await until(() => got.length >= held, 'the messages published before the pause');
    await sleep(QUIET_MS);
    expect(got.length).toBe(held);
    expect(replay.progress.published).toBe(held);

    replay.resume();
    await until(() => got.length >= held + 1, 'one more message after resume', 5000);
    replay.setSpeed('max');
    const result = await withTimeout(replay.finished, 10_000, 'the replay to finish');
    expect(result).toMatchObject({ state: 'done', published: 30, total: 30, positionUs: all[29]!.timeUs });
    await until(() => got.length >= 30, 'all 30 messages');
    expect(got).toEqual(names(30)); // none lost, none twice, in order
    expect(states).toContain('paused');
    expect(states[states.length - 1]).toBe('done');
  });

  it('pause before the first message, at max speed: nothing at all until resume', async () => {
    const replay = startReplay(messages(20, 1000), mqttPublisher(publisher), { speed: 'max' });
    await replay.pause();
    await sleep(QUIET_MS);
    expect(replay.progress.published).toBe(0);
    expect(got.length).toBe(0);
    replay.resume();
    await withTimeout(replay.finished, 10_000, 'the replay to finish');
    await until(() => got.length >= 20, 'all 20 messages');
    expect(got).toEqual(names(20));
  });

  it('stop ends it: nothing more arrives, and finished says stopped', async () => {
    const replay = startReplay(messages(30, 1_000_000), mqttPublisher(publisher), { speed: 10 });
    await until(() => got.length >= 3, 'three messages', 5000);
    const result = await replay.stop();
    expect(result.state).toBe('stopped');
    expect(result.published).toBeLessThan(30);
    await until(() => got.length >= result.published, 'the messages published before the stop');
    await sleep(QUIET_MS);
    expect(got).toEqual(names(result.published));
    replay.resume(); // no effect once stopped
    await sleep(QUIET_MS);
    expect(got.length).toBe(result.published);
    expect(replay.progress.state).toBe('stopped');
  });

  it('stop while paused ends it too; a slow speed is left at once', async () => {
    const replay = startReplay(messages(5, 60_000_000), mqttPublisher(publisher), { speed: 0.1 }); // 10 min apart
    await until(() => got.length >= 1, 'the first message (due at once)', 5000);
    await replay.pause();
    const result = await withTimeout(replay.stop(), 5000, 'stop');
    expect(result).toMatchObject({ state: 'stopped', published: 1 });
  });

  it('progress comes at most about ten times a second, published never goes back, and ends with done', async () => {
    const events: ReplayProgress[] = [];
    const started = performance.now();
    const replay = startReplay(messages(3000, 10), mqttPublisher(publisher), { speed: 'max', onProgress: (p) => events.push(p) });
    await withTimeout(replay.finished, 15_000, 'the replay to finish');
    const elapsedMs = performance.now() - started;
    await until(() => got.length >= 3000, 'all 3000 messages', 10_000);
    expect(got).toEqual(names(3000));
    expect(events.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 2);
    expect(events.map((e) => e.published)).toEqual([...events.map((e) => e.published)].sort((a, b) => a - b));
    expect(events[events.length - 1]).toMatchObject({ state: 'done', published: 3000, total: 3000 });
    expect(events.filter((e) => e.state === 'done')).toHaveLength(1);
  });
});

describe('replay: the event loop stays free, failures end it cleanly', () => {
  it('at max speed with a publisher that completes at once, timers still run during the replay', async () => {
    let done = 0;
    const instant: ReplayPublisher = { publish: async () => { done++; } };
    const all = messages(200_000, 1);
    const replay = startReplay(all, instant, { speed: 'max' });
    // Without yielding, this timer could only fire after the last publish.
    const publishedWhenTimerRan = await new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
    await withTimeout(replay.finished, 15_000, 'the replay to finish');
    expect(publishedWhenTimerRan).toBeLessThan(all.length);
    expect(done).toBe(all.length);
  });

  it('a publish that fails stops the replay with the error; finished does not reject', async () => {
    const seen: string[] = [];
    const failing: ReplayPublisher = {
      publish: async (topic) => {
        if (topic === 'ctl/3') throw new Error('not authorized');
        seen.push(topic);
      },
    };
    const result = await withTimeout(startReplay(messages(10, 1), failing, { speed: 'max' }).finished, 5000, 'the replay to end');
    expect(result).toMatchObject({ state: 'stopped', published: 3, error: 'not authorized' });
    expect(seen).toEqual(['ctl/0', 'ctl/1', 'ctl/2']);
  });

  it('a speed out of range is refused', () => {
    const instant: ReplayPublisher = { publish: async () => {} };
    expect(() => startReplay([], instant, { speed: 1000 })).toThrow(RangeError);
    const replay = startReplay([], instant, { speed: 1 });
    expect(() => replay.setSpeed(0)).toThrow(RangeError);
  });
});
