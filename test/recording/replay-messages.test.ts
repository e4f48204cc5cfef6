// Which records a replay publishes: the rule in main/recording/replay-messages.ts, case by case, on
// hand-made traffic records (the real-socket suites check it against a real recording).
import { describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../../shared/contract/traffic.js';
import {
  CutPayloadError, messageSourceOf, recordedMessages, selectMessages, type SkipReason,
} from '../../main/recording/replay-messages.js';

let nextId = 1;
function record(partial: Partial<TrafficRecord>): TrafficRecord {
  const id = nextId++;
  const payload = partial.payload ?? null;
  return {
    id, timeUs: 1_700_000_000_000_000 + id * 1000, side: 'broker', direction: 'in', connection: 'dev1', type: 'publish',
    topic: null, qos: 0, retain: false, dup: false, packetId: null, reasonCode: null, fields: {},
    payloadSize: payload === null ? 0 : Buffer.from(payload, 'base64').length, head: null, willOf: null,
    ...partial, payload,
  };
}
const b64 = (s: string) => Buffer.from(s).toString('base64');
const publish = (topic: string, text: string, more: Partial<TrafficRecord> = {}) => record({ topic, payload: b64(text), ...more });
const summary = (ms: ReturnType<typeof recordedMessages>) => ms.map((m) => `${m.connection} ${m.topic} ${m.payload.toString()}`);

describe('replay messages: which records are the recorded messages', () => {
  it('broker-side PUBLISHes in, when there are any: not deliveries, not wills, not the named clients\' copies', () => {
    const records = [
      publish('a', '1', { side: 'client', direction: 'out', connection: 'myClient1' }),
      publish('a', '1', { connection: 'myClient1' }),
      publish('a', '1', { direction: 'out', connection: 'myClient2' }),
      publish('a', '1', { side: 'client', connection: 'myClient2' }),
      publish('dead', 'lost', { direction: 'out', connection: 'myClient2', willOf: 'pump' }),
      publish('b', '2', { connection: 'outsider' }),
    ];
    expect(messageSourceOf(records)).toBe('broker');
    expect(summary(recordedMessages(records))).toEqual(['myClient1 a 1', 'outsider b 2']);
  });

  it('without broker-side PUBLISHes: what the named clients received', () => {
    const records = [
      record({ side: 'client', direction: 'out', type: 'subscribe', connection: 'field' }),
      publish('site/1', 'x', { side: 'client', connection: 'field' }),
      publish('site/2', 'y', { side: 'client', direction: 'out', connection: 'field' }),
    ];
    expect(messageSourceOf(records)).toBe('client');
    expect(summary(recordedMessages(records))).toEqual(['field site/1 x']);
  });

  it('keeps the decoded fields: QoS, retain, payload bytes, MQTT 5 properties without alias or subscription id', () => {
    const [m] = recordedMessages([publish('t', '', {
      qos: 2, retain: true, packetId: 7, payload: Buffer.from([0, 255, 1]).toString('base64'), payloadSize: 3,
      fields: { properties: {
        userProperties: { a: '1', b: ['2', '3'] }, correlationData: { base64: b64('corr') }, contentType: 'bin',
        responseTopic: 'reply', payloadFormatIndicator: false, messageExpiryInterval: 60, topicAlias: 3, subscriptionIdentifier: 9,
      } },
    })]);
    expect(m).toMatchObject({ topic: 't', qos: 2, retain: true, payload: Buffer.from([0, 255, 1]) });
    expect(m!.properties).toEqual({
      userProperties: { a: '1', b: ['2', '3'] }, correlationData: Buffer.from('corr'), contentType: 'bin',
      responseTopic: 'reply', payloadFormatIndicator: false, messageExpiryInterval: 60,
    });
  });

  it('skips a retransmission (dup, same connection and packet id, not yet acknowledged), not a reused id', () => {
    const skipped: SkipReason[] = [];
    const records = [
      publish('q', 'first', { qos: 1, packetId: 5 }),
      publish('q', 'first', { qos: 1, packetId: 5, dup: true }),
      publish('q', 'other conn', { qos: 1, packetId: 5, dup: true, connection: 'dev2' }),
      record({ type: 'puback', direction: 'out', packetId: 5 }),
      publish('q', 'id reused', { qos: 1, packetId: 5 }),
      publish('q2', 'two', { qos: 2, packetId: 6 }),
      record({ type: 'pubrec', direction: 'out', packetId: 6 }),
      publish('q2', 'two', { qos: 2, packetId: 6, dup: true }),
      record({ type: 'pubcomp', direction: 'out', packetId: 6 }),
      publish('q2', 'new after pubcomp', { qos: 2, packetId: 6, dup: true }),
    ];
    const out = recordedMessages(records, { onSkip: (_, why) => skipped.push(why) });
    expect(summary(out)).toEqual(['dev1 q first', 'dev2 q other conn', 'dev1 q id reused', 'dev1 q2 two', 'dev1 q2 new after pubcomp']);
    expect(skipped).toEqual(['retransmission', 'retransmission']);
  });

  it('resolves MQTT 5 topic aliases per connection, afresh after each CONNECT; an unset alias is skipped', () => {
    const skipped: SkipReason[] = [];
    const alias = (n: number) => ({ fields: { properties: { topicAlias: n } } });
    const records = [
      record({ type: 'connect' }),
      publish('long/topic/name', '1', alias(1)),
      publish('', '2', alias(1)),
      publish('', 'other connection', { ...alias(1), connection: 'dev2' }),
      record({ type: 'connect' }),
      publish('', 'after reconnect', alias(1)),
    ];
    const out = recordedMessages(records, { onSkip: (_, why) => skipped.push(why) });
    expect(summary(out)).toEqual(['dev1 long/topic/name 1', 'dev1 long/topic/name 2']);
    expect(skipped).toEqual(['unknown-topic-alias', 'unknown-topic-alias']);
  });

  it('filters by connection and by topic filter', () => {
    const records = [publish('lab/a', '1'), publish('lab/b/c', '2', { connection: 'dev2' }), publish('home/x', '3'), publish('$SYS/x', '4')];
    expect(summary(recordedMessages(records, { connections: ['dev2'] }))).toEqual(['dev2 lab/b/c 2']);
    expect(summary(recordedMessages(records, { topic: 'lab/#' }))).toEqual(['dev1 lab/a 1', 'dev2 lab/b/c 2']);
    expect(summary(recordedMessages(records, { topic: '#' }))).toEqual(['dev1 lab/a 1', 'dev2 lab/b/c 2', 'dev1 home/x 3']);
    expect(summary(recordedMessages(records, { topic: 'lab/+', connections: ['dev1', 'dev2'] }))).toEqual(['dev1 lab/a 1']);
  });

  it('a cut payload is an error naming the record, or skipped and reported with cutPayloads: skip', () => {
    const cut = publish('big', 'only the start', { payloadSize: 100_000 });
    const records = [publish('small', 'whole'), cut, publish('after', 'whole')];
    expect(() => recordedMessages(records)).toThrow(CutPayloadError);
    expect(() => recordedMessages(records)).toThrow(`record ${cut.id} (PUBLISH to 'big' by dev1) holds 14 of its 100000 payload bytes`);
    const skipped: number[] = [];
    const out = recordedMessages(records, { cutPayloads: 'skip', onSkip: (r) => skipped.push(r.id) });
    expect(summary(out)).toEqual(['dev1 small whole', 'dev1 after whole']);
    expect(skipped).toEqual([cut.id]);
    // A cut payload outside the filters is no error: it is not replayed.
    expect(summary(recordedMessages(records, { topic: 'small' }))).toEqual(['dev1 small whole']);
  });

  it('selectMessages streams the same selection as recordedMessages, from an async source', async () => {
    const clientOnly = [publish('s/1', 'a', { side: 'client', connection: 'field' }), publish('s/2', 'b', { side: 'client', connection: 'field' })];
    const mixed = [...clientOnly, publish('a', '1'), publish('b', '2', { side: 'client', connection: 'field' }), publish('c', '3')];
    async function* pages(records: TrafficRecord[]) {
      for (const r of records) yield r;
    }
    const collect = async (it: AsyncIterable<{ topic: string }>) => {
      const out: string[] = [];
      for await (const m of it) out.push(m.topic);
      return out;
    };
    expect(await collect(selectMessages(pages(clientOnly)))).toEqual(recordedMessages(clientOnly).map((m) => m.topic));
    expect(await collect(selectMessages(pages(mixed)))).toEqual(['a', 'c']);
    expect(await collect(selectMessages(pages(mixed), { source: 'client' }))).toEqual(['s/1', 's/2', 'b']);
  });
});
