// RetainedStore: one retained message per topic, found by a subscription's filter.
import { describe, expect, it } from 'vitest';
import { prng, randomFilter, randomTopic } from '../helpers/random-topics.js';
import type { Message } from '../../main/broker/message.js';
import { RetainedStore } from '../../main/broker/retained.js';
import { topicFilterProblem, topicMatches, topicNameProblem } from '../../shared/mqtt/topic.js';

const msg = (topic: string, payload = topic): Message => ({
  topic,
  payload: Buffer.from(payload),
  qos: 0,
  retain: true,
  publisher: 'pub',
  receivedAt: 0,
});

const topicsOf = (messages: Message[]): string[] => messages.map((m) => m.topic).sort();

function storeWith(...topics: string[]): RetainedStore {
  const store = new RetainedStore();
  for (const t of topics) store.set(msg(t));
  return store;
}

describe('RetainedStore set / get / delete', () => {
  it('stores one message per topic', () => {
    const store = new RetainedStore();
    expect(store.size).toBe(0);
    expect(store.get('a/b')).toBeUndefined();
    const m = msg('a/b');
    store.set(m);
    expect(store.size).toBe(1);
    expect(store.get('a/b')).toBe(m);
    expect(store.get('a')).toBeUndefined(); // an inner node holds no message
    expect(store.get('a/b/c')).toBeUndefined();
  });

  it('replaces the message of a topic without counting it twice', () => {
    const store = new RetainedStore();
    store.set(msg('a/b', 'old'));
    const newer = msg('a/b', 'new');
    store.set(newer);
    expect(store.size).toBe(1);
    expect(store.get('a/b')).toBe(newer);
    expect(store.match('a/b')).toEqual([newer]);
  });

  it('keeps parent and child topics apart', () => {
    const store = storeWith('a', 'a/b', 'a//b', 'a/b/');
    expect(store.size).toBe(4);
    expect(store.get('a')?.topic).toBe('a');
    expect(store.get('a/b')?.topic).toBe('a/b');
    expect(store.get('a//b')?.topic).toBe('a//b');
    expect(store.get('a/b/')?.topic).toBe('a/b/');
  });

  it('deletes and reports whether there was a message', () => {
    const store = storeWith('a/b', 'a');
    expect(store.delete('a/b')).toBe(true);
    expect(store.delete('a/b')).toBe(false);
    expect(store.delete('x')).toBe(false);
    expect(store.delete('a/b/c')).toBe(false);
    expect(store.size).toBe(1);
    expect(store.get('a/b')).toBeUndefined();
    expect(store.get('a')?.topic).toBe('a');
  });

  it('does not delete a topic that is only an inner node', () => {
    const store = storeWith('a/b/c');
    expect(store.delete('a/b')).toBe(false);
    expect(store.size).toBe(1);
    expect(store.get('a/b/c')?.topic).toBe('a/b/c');
  });

  it('prunes on delete and can store the topic again', () => {
    const store = storeWith('a/b/c/d');
    store.match('#'); // builds the wildcard index
    expect(store.delete('a/b/c/d')).toBe(true);
    expect((store as unknown as { index: { root: { children: Map<string, unknown> } } }).index.root.children.size).toBe(0);
    expect(store.match('#')).toEqual([]);
    expect(store.all()).toEqual([]);
    store.set(msg('a/b/c/d'));
    expect(store.size).toBe(1);
    expect(topicsOf(store.match('a/#'))).toEqual(['a/b/c/d']);
  });

  it('stops pruning at a node that still has a message or children', () => {
    const store = storeWith('a', 'a/b/c', 'a/x');
    store.delete('a/b/c');
    expect(topicsOf(store.match('a/#'))).toEqual(['a', 'a/x']);
    store.delete('a/x');
    expect(topicsOf(store.match('#'))).toEqual(['a']);
  });
});

describe('RetainedStore match', () => {
  const store = storeWith(
    'sport',
    'sport/tennis',
    'sport/tennis/player1',
    'sport/tennis/player1/ranking',
    'sport/tennis/player1/score/wimbledon',
    'sport/tennis/player2',
    'sport/golf',
    '/finance',
    'finance',
    'a//b',
    '$SYS/broker/clients',
    '$SYS/monitor/Clients',
    '$SYS',
  );

  it('finds an exact topic only', () => {
    expect(topicsOf(store.match('sport/tennis'))).toEqual(['sport/tennis']);
    expect(topicsOf(store.match('a//b'))).toEqual(['a//b']);
    expect(store.match('sport/tennis/player3')).toEqual([]);
    expect(store.match('nothing/here')).toEqual([]);
  });

  it("matches '+' on exactly one level", () => {
    expect(topicsOf(store.match('sport/tennis/+'))).toEqual(['sport/tennis/player1', 'sport/tennis/player2']);
    expect(topicsOf(store.match('sport/+'))).toEqual(['sport/golf', 'sport/tennis']);
    expect(topicsOf(store.match('+/+'))).toEqual(['/finance', 'sport/golf', 'sport/tennis']);
    expect(topicsOf(store.match('/+'))).toEqual(['/finance']);
    expect(topicsOf(store.match('+'))).toEqual(['finance', 'sport']);
    expect(topicsOf(store.match('a/+/b'))).toEqual(['a//b']);
  });

  it("matches 'x/#' on x itself and everything below [MQTT-4.7.1-2]", () => {
    expect(topicsOf(store.match('sport/tennis/player1/#'))).toEqual([
      'sport/tennis/player1',
      'sport/tennis/player1/ranking',
      'sport/tennis/player1/score/wimbledon',
    ]);
    expect(topicsOf(store.match('sport/#'))).toEqual([
      'sport',
      'sport/golf',
      'sport/tennis',
      'sport/tennis/player1',
      'sport/tennis/player1/ranking',
      'sport/tennis/player1/score/wimbledon',
      'sport/tennis/player2',
    ]);
    expect(topicsOf(store.match('+/tennis/#'))).toEqual([
      'sport/tennis',
      'sport/tennis/player1',
      'sport/tennis/player1/ranking',
      'sport/tennis/player1/score/wimbledon',
      'sport/tennis/player2',
    ]);
  });

  it("'#' and '+' at the first level skip '$' topics; '$SYS/...' filters find them [MQTT-4.7.2-1]", () => {
    const all = topicsOf(store.match('#'));
    expect(all).not.toContain('$SYS');
    expect(all).not.toContain('$SYS/broker/clients');
    expect(all).toHaveLength(10);
    expect(topicsOf(store.match('+/monitor/Clients'))).toEqual([]);
    expect(topicsOf(store.match('+/#'))).toHaveLength(10);
    expect(topicsOf(store.match('$SYS/monitor/+'))).toEqual(['$SYS/monitor/Clients']);
    expect(topicsOf(store.match('$SYS/#'))).toEqual(['$SYS', '$SYS/broker/clients', '$SYS/monitor/Clients']);
  });

  it("'$' below the first level is ordinary", () => {
    const s = storeWith('a/$x', 'a/$x/y');
    expect(topicsOf(s.match('a/+'))).toEqual(['a/$x']);
    expect(topicsOf(s.match('a/#'))).toEqual(['a/$x', 'a/$x/y']);
    expect(topicsOf(s.match('#'))).toEqual(['a/$x', 'a/$x/y']);
  });

  it('all() returns every message, $ topics included', () => {
    expect(topicsOf(store.all())).toHaveLength(13);
    expect(topicsOf(store.all())).toContain('$SYS');
    expect(new RetainedStore().all()).toEqual([]);
  });
});

describe('RetainedStore property: match agrees with topicMatches', () => {
  const SEEDS = Array.from({ length: 40 }, (_, i) => 0xca11 + i * 104729);

  it.each(SEEDS)('seed %i', (seed) => {
    const rand = prng(seed);
    const store = new RetainedStore();
    const model = new Set<string>();
    for (let step = 0; step < 80; step++) {
      const topic = randomTopic(rand);
      if (topicNameProblem(topic) !== null) continue;
      if (rand() < 0.3) {
        expect(store.delete(topic)).toBe(model.has(topic));
        model.delete(topic);
      } else {
        store.set(msg(topic, `${step}`));
        model.add(topic);
      }
      expect(store.size).toBe(model.size);
      expect(topicsOf(store.all())).toEqual([...model].sort());
      for (let j = 0; j < 10; j++) {
        const filter = randomFilter(rand);
        expect(topicFilterProblem(filter), filter).toBeNull();
        const expected = [...model].filter((t) => topicMatches(filter, t)).sort();
        const actual = topicsOf(store.match(filter));
        expect(actual, `seed ${seed}, step ${step}, filter ${JSON.stringify(filter)}`).toEqual(expected);
      }
    }
  });
});
