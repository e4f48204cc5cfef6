import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, end, sleep, startBroker, type TestBroker } from '../helpers/broker.js';

let b: TestBroker;
beforeAll(async () => { b = await startBroker(); });
afterAll(() => b.close());

describe('04-retain', () => {
  it('[MQTT-3.3.1-8] a new subscriber gets the retained message with retain=1, live ones with retain=0', async () => {
    const pub = await connect(b.url, { clientId: 'r-pub' });
    await pub.publishAsync('robotcell1/temperature', '666', { qos: 1, retain: true });
    const sub = await connect(b.url, { clientId: 'r-sub' });
    const got = collect(sub);
    await sub.subscribeAsync('robotcell1/+', { qos: 1 });
    const [retained] = await got.count(1);
    expect(retained).toMatchObject({ topic: 'robotcell1/temperature', payload: '666', retain: true, qos: 1 });
    await pub.publishAsync('robotcell1/temperature', '25', { qos: 1, retain: true });
    const [, live] = await got.count(2);
    expect(live).toMatchObject({ payload: '25', retain: false });
    await end(pub, sub);
  });

  it('keeps one message per topic: a new retained message replaces the old', async () => {
    const pub = await connect(b.url, { clientId: 'r-pub2' });
    await pub.publishAsync('rr/a', 'first', { qos: 1, retain: true });
    await pub.publishAsync('rr/a', 'second', { qos: 1, retain: true });
    await pub.publishAsync('rr/b', 'other', { qos: 1, retain: true });
    const sub = await connect(b.url, { clientId: 'r-sub2' });
    const got = collect(sub);
    await sub.subscribeAsync('rr/#');
    await got.count(2);
    await sleep(100);
    expect(got.messages.map((m) => `${m.topic}=${m.payload}`).sort()).toEqual(['rr/a=second', 'rr/b=other']);
    await end(pub, sub);
  });

  it('[MQTT-3.3.1-10] an empty retained payload clears the topic', async () => {
    const pub = await connect(b.url, { clientId: 'r-clear' });
    await pub.publishAsync('clear/me', 'x', { qos: 1, retain: true });
    expect(b.broker.retained.get('clear/me')).toBeDefined();
    await pub.publishAsync('clear/me', '', { qos: 1, retain: true });
    expect(b.broker.retained.get('clear/me')).toBeUndefined();
    const sub = await connect(b.url, { clientId: 'r-clear-sub' });
    const got = collect(sub);
    await sub.subscribeAsync('clear/#');
    await sleep(200);
    expect(got.messages).toHaveLength(0);
    await end(pub, sub);
  });

  it('retained messages go out at min(stored QoS, subscription QoS), for every matching topic', async () => {
    const pub = await connect(b.url, { clientId: 'r-qos' });
    await pub.publishAsync('rq/two', '2', { qos: 2, retain: true });
    await pub.publishAsync('rq/zero', '0', { qos: 0, retain: true });
    await sleep(50);
    const sub = await connect(b.url, { clientId: 'r-qos-sub' });
    const got = collect(sub);
    await sub.subscribeAsync('rq/+', { qos: 1 });
    await got.count(2);
    const byTopic = Object.fromEntries(got.messages.map((m) => [m.topic, m.qos]));
    expect(byTopic).toEqual({ 'rq/two': 1, 'rq/zero': 0 });
    await end(pub, sub);
  });

  it('MQTT 5 retain handling: 0 always, 1 only for a new subscription, 2 never; retain-as-published keeps the flag', async () => {
    const pub = await connect(b.url, { clientId: 'rh-pub', protocolVersion: 5 });
    await pub.publishAsync('rh/t', 'kept', { qos: 1, retain: true });
    const sub = await connect(b.url, { clientId: 'rh-sub', protocolVersion: 5 });
    const got = collect(sub);
    await sub.subscribeAsync('rh/t', { qos: 0, rh: 2 });
    await sleep(150);
    expect(got.messages).toHaveLength(0);
    await sub.unsubscribeAsync('rh/t');
    await sub.subscribeAsync('rh/t', { qos: 0, rh: 1 });
    await got.count(1);
    await sub.subscribeAsync('rh/t', { qos: 0, rh: 1 }); // not new: nothing
    await sleep(150);
    expect(got.messages).toHaveLength(1);
    await sub.subscribeAsync('rh/t', { qos: 0, rh: 0 }); // always
    await got.count(2);
    await sub.subscribeAsync('rh/t', { qos: 0, rh: 2, rap: true });
    await pub.publishAsync('rh/t', 'live', { qos: 1, retain: true });
    const [, , live] = await got.count(3);
    expect(live).toMatchObject({ payload: 'live', retain: true });
    await end(pub, sub);
  });
});
