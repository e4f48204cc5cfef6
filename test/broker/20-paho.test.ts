// Python Paho 1.6.1 (/usr/bin/python3, old callback API) as the peer, over TCP and WebSocket:
// the classic tutorial flow (publish, retained, persistent session) and MQTT 5 user properties.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, end, startBroker, type TestBroker } from '../helpers/broker.js';
import { PYTHON, runPaho, startPaho, type PahoEvent, type PahoMessage } from '../helpers/paho.js';
import { killChildren, run } from '../helpers/process.js';

let b: TestBroker;

beforeAll(async () => {
  const check = await run(PYTHON, ['-c', 'import paho.mqtt; print(paho.mqtt.__version__)'], 10_000);
  if (check.code !== 0) throw new Error(`${PYTHON} cannot import paho.mqtt (install python3-paho-mqtt):\n${check.stderr}`);
  b = await startBroker();
});

afterAll(async () => {
  await killChildren();
  await b?.close();
});

const messagesOf = (events: PahoEvent[]) => events.filter((e): e is PahoMessage => e.event === 'message');
const connectOf = (events: PahoEvent[]) => events.find((e) => e.event === 'connect');

/** The tutorial's publisher: "myClient1", clean session, MQTT 3.1.1. */
function tutorialPublish(port: number, transport: string[], topic: string) {
  return runPaho('pub.py', port, [
    ...transport, '--client-id', 'myClient1', '--clean-session', '1', '--protocol', '311',
    '--message', topic, '25', '0', '0',
    '--message', topic, '666', '0', '1',
  ]);
}

describe('20-paho: Python Paho 1.6.1 as the peer', () => {
  for (const [name, transport] of [['tcp', []], ['websockets', ['--transport', 'websockets', '--ws-path', '/mqtt']]] as const) {
    it(`${name}: publishes 25 then a retained 666; an online subscriber gets both with retain=0, a late one gets 666 with retain=1 [MQTT-3.3.1-6, MQTT-3.3.1-9]`, async () => {
      const port = name === 'tcp' ? b.port : b.wsPort;
      const topic = `robotcell1/temperature-${name}`;
      // Subscribed before the publish: the messages are live, so retain is 0 for both [MQTT-3.3.1-9].
      const online = startPaho('sub.py', port, [...transport, '--client-id', `online-${name}`, '--subscribe', topic, '0', '--count', '2']);
      await online.waitForEvent('ready');
      expect(online.event('subscribed')?.granted).toEqual([0]);

      const published = await tutorialPublish(port, [...transport], topic);
      expect(connectOf(published)).toMatchObject({ rc: 0, session_present: 0 });
      expect(published.at(-1)?.event).toBe('done');

      const live = await online.finished();
      expect(live.code, online.describe()).toBe(0);
      expect(messagesOf(live.events).map((m) => [m.payload, m.retain])).toEqual([['25', 0], ['666', 0]]);

      // Subscribed after: only the retained message, flagged retain=1 [MQTT-3.3.1-6].
      const late = await runPaho('sub.py', port, [...transport, '--client-id', `late-${name}`, '--subscribe', topic, '0', '--count', '1']);
      const [message] = messagesOf(late);
      expect(message).toMatchObject({ topic, payload: '666', retain: 1, qos: 0 });
    });
  }

  it('persistent session: QoS 1/2 subscriptions survive a disconnect; missed messages arrive on reconnect with session present = 1 [MQTT-3.1.2-4, MQTT-3.2.2-2]', async () => {
    const id = 'paho-persistent';
    const first = await runPaho('sub.py', b.port, [
      '--client-id', id, '--clean-session', '0',
      '--subscribe', 'robotcell1/alarms', '1', '--subscribe', 'robotcell1/commands', '2', '--count', '0',
    ]);
    expect(connectOf(first)).toMatchObject({ rc: 0, session_present: 0 });
    expect(first.find((e) => e.event === 'subscribed')?.granted).toEqual([1, 2]);

    // While it is away: QoS 1 and QoS 2 messages, each acknowledged to the publisher.
    const published = await runPaho('pub.py', b.port, [
      '--client-id', 'myClient1',
      '--message', 'robotcell1/alarms', 'overheat', '1', '0',
      '--message', 'robotcell1/commands', 'stop', '2', '0',
      '--message', 'robotcell1/alarms', 'fire', '2', '0',
    ]);
    expect(published.find((e) => e.event === 'published')).toMatchObject({ count: 3 });

    const back = await runPaho('sub.py', b.port, ['--client-id', id, '--clean-session', '0', '--count', '3']);
    expect(connectOf(back)).toMatchObject({ rc: 0, session_present: 1 });
    const got = messagesOf(back).map((m) => `${m.topic}=${m.payload}@${m.qos}`);
    // QoS 2 on a QoS 1 subscription is delivered at QoS 1 (the lower of the two).
    expect(got.sort()).toEqual(['robotcell1/alarms=fire@1', 'robotcell1/alarms=overheat@1', 'robotcell1/commands=stop@2']);

    // A clean session afterwards discards the old one: session present = 0 [MQTT-3.2.2-1].
    const clean = await runPaho('sub.py', b.port, ['--client-id', id, '--clean-session', '1', '--count', '0']);
    expect(connectOf(clean)).toMatchObject({ rc: 0, session_present: 0 });
  });

  it('MQTT 5: Paho publishes with user properties; an mqtt.js v5 subscriber receives them', async () => {
    const sub = await connect(b.url, { clientId: 'js-v5-sub', protocolVersion: 5 });
    try {
      const got = collect(sub);
      await sub.subscribeAsync('robotcell1/v5', { qos: 1 });
      const published = await runPaho('pub.py', b.port, [
        '--client-id', 'paho-v5', '--protocol', '5',
        '--message', 'robotcell1/v5', 'hello v5', '1', '0',
        '--user-property', 'site', 'plant-7',
        '--user-property', 'unit', 'celsius',
      ]);
      expect(connectOf(published)).toMatchObject({ rc: 0 });
      const [message] = await got.count(1);
      expect(message).toMatchObject({ topic: 'robotcell1/v5', payload: 'hello v5', qos: 1 });
      expect(message.properties?.userProperties).toEqual({ site: 'plant-7', unit: 'celsius' });
    } finally {
      await end(sub);
    }
  });

  it('MQTT 5: a Paho v5 subscriber sees the user properties of a Paho v5 publisher in order, repeated keys included [MQTT-3.3.2-18]', async () => {
    const subscriber = startPaho('sub.py', b.port, ['--client-id', 'paho-v5-sub', '--protocol', '5', '--subscribe', 'robotcell1/v5-props', '1', '--count', '1']);
    await subscriber.waitForEvent('ready');
    await runPaho('pub.py', b.port, [
      '--client-id', 'paho-v5-pub', '--protocol', '5',
      '--message', 'robotcell1/v5-props', 'tagged', '1', '0',
      '--user-property', 'tag', 'a', '--user-property', 'site', 'plant-7', '--user-property', 'tag', 'b',
    ]);
    const { code } = await subscriber.finished();
    expect(code, subscriber.describe()).toBe(0);
    const [message] = subscriber.messages;
    expect(message).toMatchObject({ payload: 'tagged', qos: 1 });
    // User properties are forwarded unaltered, in order, duplicates kept [MQTT-3.3.2-17, MQTT-3.3.2-18].
    expect(message.user_properties).toEqual([['tag', 'a'], ['site', 'plant-7'], ['tag', 'b']]);
  });

  // Interop, not a spec rule: Paho 1.6.1 (the Debian/Ubuntu package) only parses a 2-byte MQTT 5 PUBREL
  // (eclipse-paho/paho.mqtt.python#481, fixed in 2.0). MQTT 5 §3.6.2.1 lets a sender omit the reason code
  // and property length when the reason is Success and there are no properties, as Mosquitto does.
  it('interop: a Paho 1.6.1 MQTT 5 subscriber receives QoS 2 (needs the short PUBREL form, as Mosquitto sends it)', async () => {
    const subscriber = startPaho('sub.py', b.port, ['--client-id', 'paho-v5-qos2', '--protocol', '5', '--subscribe', 'robotcell1/v5-qos2', '2', '--count', '1']);
    await subscriber.waitForEvent('ready');
    await runPaho('pub.py', b.port, ['--client-id', 'paho-v5-qos2-pub', '--protocol', '5', '--message', 'robotcell1/v5-qos2', 'exactly once', '2', '0']);
    const { code } = await subscriber.finished();
    expect(code, subscriber.describe()).toBe(0);
    expect(subscriber.messages.map((m) => [m.payload, m.qos])).toEqual([['exactly once', 2]]);
  });
});
