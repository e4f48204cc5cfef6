// TopicTree: the subscription trie. Checked by example and against topicMatches (shared/mqtt/topic.ts).
import { describe, expect, it } from 'vitest';
import { prng, randomFilter, randomTopic } from '../helpers/random-topics.js';
import { TopicTree } from '../../main/broker/topic-tree.js';
import { topicFilterProblem, topicMatches, topicNameProblem } from '../../shared/mqtt/topic.js';

const sorted = <T>(values: readonly T[]): T[] => [...values].sort();

describe('TopicTree add / get / remove', () => {
  it('keeps one value per (filter, key) and counts them', () => {
    const tree = new TopicTree<string>();
    expect(tree.size).toBe(0);
    expect(tree.add('a/b', 'c1', 'v1')).toBe(true);
    expect(tree.add('a/b', 'c2', 'v2')).toBe(true);
    expect(tree.add('a/+', 'c1', 'v3')).toBe(true);
    expect(tree.size).toBe(3);
    expect(tree.get('a/b', 'c1')).toBe('v1');
    expect(tree.get('a/b', 'c2')).toBe('v2');
    expect(tree.get('a/+', 'c1')).toBe('v3');
    expect(tree.get('a/+', 'c2')).toBeUndefined();
    expect(tree.get('a', 'c1')).toBeUndefined(); // an inner node holds nothing
    expect(tree.get('x/y', 'c1')).toBeUndefined();
  });

  it('replaces the value of an existing key without counting it twice', () => {
    const tree = new TopicTree<string>();
    tree.add('a/b', 'c1', 'old');
    expect(tree.add('a/b', 'c1', 'new')).toBe(false);
    expect(tree.size).toBe(1);
    expect(tree.get('a/b', 'c1')).toBe('new');
    expect(tree.match('a/b')).toEqual(['new']);
  });

  it('removes by key and reports whether something was there', () => {
    const tree = new TopicTree<string>();
    tree.add('a/b', 'c1', 'v1');
    tree.add('a/b', 'c2', 'v2');
    expect(tree.remove('a/b', 'c1')).toBe(true);
    expect(tree.remove('a/b', 'c1')).toBe(false);
    expect(tree.remove('a/b', 'nobody')).toBe(false);
    expect(tree.remove('a/b/c', 'c2')).toBe(false);
    expect(tree.remove('a', 'c2')).toBe(false);
    expect(tree.size).toBe(1);
    expect(tree.get('a/b', 'c2')).toBe('v2');
    expect(tree.match('a/b')).toEqual(['v2']);
  });

  it('prunes on removal: nothing is left, and re-adding works', () => {
    const tree = new TopicTree<string>();
    tree.add('a/b/c/d', 'k', 'deep');
    tree.add('a/b', 'k', 'shallow');
    expect(tree.remove('a/b/c/d', 'k')).toBe(true);
    expect(tree.match('a/b/c/d')).toEqual([]);
    expect(tree.get('a/b', 'k')).toBe('shallow');
    expect(tree.remove('a/b', 'k')).toBe(true);
    expect(tree.size).toBe(0);
    // The root has no children left: nothing under 'a' can be found.
    expect((tree as unknown as { root: { children: Map<string, unknown> } }).root.children.size).toBe(0);
    expect(tree.add('a/b/c/d', 'k', 'again')).toBe(true);
    expect(tree.match('a/b/c/d')).toEqual(['again']);
    expect(tree.size).toBe(1);
  });

  it('does not prune a node that still has values or children', () => {
    const tree = new TopicTree<string>();
    tree.add('a', 'k', 'a');
    tree.add('a/b', 'k', 'ab');
    tree.add('a/b/c', 'k', 'abc');
    tree.remove('a/b', 'k');
    expect(tree.match('a/b/c')).toEqual(['abc']);
    expect(tree.match('a')).toEqual(['a']);
    tree.remove('a/b/c', 'k');
    expect(tree.match('a')).toEqual(['a']);
    expect(tree.size).toBe(1);
  });
});

describe('TopicTree match', () => {
  it('matches exact filters only on the whole topic', () => {
    const tree = new TopicTree<string>();
    tree.add('sport/tennis', 'k', 'exact');
    expect(tree.match('sport/tennis')).toEqual(['exact']);
    expect(tree.match('sport')).toEqual([]);
    expect(tree.match('sport/tennis/player1')).toEqual([]);
    expect(tree.match('sport/tennis/')).toEqual([]);
  });

  it("matches '+' on exactly one level, empty levels included", () => {
    const tree = new TopicTree<string>();
    tree.add('sport/tennis/+', 'k', 'plus');
    tree.add('+/+', 'k', 'plusplus');
    tree.add('/+', 'k', 'slashplus');
    tree.add('+', 'k', 'single');
    expect(tree.match('sport/tennis/player1')).toEqual(['plus']);
    expect(tree.match('sport/tennis/player1/ranking')).toEqual([]);
    expect(tree.match('sport/tennis')).toEqual(['plusplus']);
    expect(sorted(tree.match('/finance'))).toEqual(['plusplus', 'slashplus']);
    expect(tree.match('finance')).toEqual(['single']);
    expect(tree.match('sport/tennis/')).toEqual(['plus']);
  });

  it("matches '#' on the level itself, its parent, and everything below", () => {
    const tree = new TopicTree<string>();
    tree.add('sport/tennis/player1/#', 'k', 'p1');
    tree.add('sport/#', 'k', 'sport');
    tree.add('#', 'k', 'all');
    expect(sorted(tree.match('sport/tennis/player1'))).toEqual(['all', 'p1', 'sport']);
    expect(sorted(tree.match('sport/tennis/player1/ranking'))).toEqual(['all', 'p1', 'sport']);
    expect(sorted(tree.match('sport/tennis/player1/score/wimbledon'))).toEqual(['all', 'p1', 'sport']);
    expect(sorted(tree.match('sport'))).toEqual(['all', 'sport']);
    expect(sorted(tree.match('sport/tennis/player2'))).toEqual(['all', 'sport']);
    expect(tree.match('other')).toEqual(['all']);
    expect(tree.match('/')).toEqual(['all']);
  });

  it("does not let first-level wildcards match '$' topics [MQTT-4.7.2-1]", () => {
    const tree = new TopicTree<string>();
    tree.add('#', 'k', 'hash');
    tree.add('+/monitor/Clients', 'k', 'plus');
    tree.add('+/#', 'k', 'plushash');
    tree.add('$SYS/#', 'k', 'sys');
    tree.add('$SYS/monitor/+', 'k', 'sysplus');
    expect(sorted(tree.match('$SYS/monitor/Clients'))).toEqual(['sys', 'sysplus']);
    expect(tree.match('$SYS')).toEqual(['sys']);
    expect(sorted(tree.match('x/monitor/Clients'))).toEqual(['hash', 'plus', 'plushash']);
    // Deeper levels starting with '$' are ordinary.
    tree.add('a/+', 'k', 'a+');
    expect(sorted(tree.match('a/$x'))).toEqual(['a+', 'hash', 'plushash']);
  });

  it('returns every subscriber of one filter', () => {
    const tree = new TopicTree<number>();
    for (let i = 0; i < 50; i++) tree.add('news/+', `c${i}`, i);
    expect(tree.size).toBe(50);
    expect([...tree.match('news/today')].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    tree.remove('news/+', 'c7');
    expect(tree.match('news/today')).toHaveLength(49);
    expect(tree.match('news/today')).not.toContain(7);
  });

  it('does not return removed values', () => {
    const tree = new TopicTree<string>();
    tree.add('a/#', 'k1', 'v1');
    tree.add('a/b', 'k2', 'v2');
    expect(sorted(tree.match('a/b'))).toEqual(['v1', 'v2']);
    tree.remove('a/#', 'k1');
    expect(tree.match('a/b')).toEqual(['v2']);
    tree.remove('a/b', 'k2');
    expect(tree.match('a/b')).toEqual([]);
  });

  it('forgets cached answers on add, replace and remove', () => {
    const tree = new TopicTree<string>();
    tree.add('a/b', 'k1', 'v1');
    expect(tree.match('a/b')).toEqual(['v1']);
    expect(tree.match('a/b')).toBe(tree.match('a/b')); // cached: the same array
    tree.add('a/+', 'k2', 'v2');
    expect(sorted(tree.match('a/b'))).toEqual(['v1', 'v2']);
    tree.add('a/+', 'k2', 'v2b');
    expect(sorted(tree.match('a/b'))).toEqual(['v1', 'v2b']);
    tree.remove('a/b', 'k1');
    expect(tree.match('a/b')).toEqual(['v2b']);
    // A failed removal changes nothing.
    expect(tree.remove('a/b', 'k1')).toBe(false);
    expect(tree.match('a/b')).toEqual(['v2b']);
  });

  it('also caches and invalidates empty answers', () => {
    const tree = new TopicTree<string>();
    expect(tree.match('x/y')).toEqual([]);
    tree.add('x/#', 'k', 'v');
    expect(tree.match('x/y')).toEqual(['v']);
  });
});

describe('TopicTree property: match agrees with topicMatches', () => {
  const SEEDS = Array.from({ length: 40 }, (_, i) => 0x5eed + i * 7919);

  it.each(SEEDS)('seed %i', (seed) => {
    const rand = prng(seed);
    const tree = new TopicTree<string>();
    // key → filter of what is in the tree now
    const model = new Map<string, string>();
    const topics = Array.from({ length: 40 }, () => randomTopic(rand)).filter((t) => topicNameProblem(t) === null);
    const keys = ['k0', 'k1', 'k2'];

    const check = (step: number) => {
      for (const topic of topics) {
        const expected = [...model.entries()].filter(([, filter]) => topicMatches(filter, topic)).map(([id]) => id).sort();
        const actual = sorted(tree.match(topic));
        expect(actual, `seed ${seed}, step ${step}, topic ${JSON.stringify(topic)}`).toEqual(expected);
      }
    };

    for (let step = 0; step < 60; step++) {
      const filter = randomFilter(rand);
      expect(topicFilterProblem(filter), filter).toBeNull();
      const key = keys[Math.floor(rand() * keys.length)];
      const id = `${filter}|${key}`;
      if (rand() < 0.3 && model.size > 0) {
        // remove an existing entry
        const existing = [...model.entries()][Math.floor(rand() * model.size)];
        const [f, k] = [existing[1], existing[0].slice(existing[1].length + 1)];
        expect(tree.remove(f, k)).toBe(true);
        model.delete(existing[0]);
      } else {
        expect(tree.add(filter, key, id)).toBe(!model.has(id));
        model.set(id, filter);
      }
      expect(tree.size).toBe(model.size);
      // Match before and after changes so the cache is exercised too.
      check(step);
    }
  });
});
