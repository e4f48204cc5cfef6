// shared/mqtt/topic.ts against MQTT 3.1.1 / 5.0 §4.7 (Topic Names and Topic Filters), mostly the spec's own examples.
import { describe, expect, it } from 'vitest';
import {
  encodingProblem,
  parseSharedFilter,
  topicFilterProblem,
  topicMatches,
  topicNameProblem,
} from '../../shared/mqtt/topic.js';

describe('topicNameProblem', () => {
  it.each([
    'sport/tennis/player1',
    'sport',
    '/finance',
    'finance/',
    '/',
    'a//b',
    '//',
    'Accounts payable', // spaces are allowed [§4.7.3]
    '$SYS/broker/clients',
    'sport/tennis/player1/ranking',
    '日本/ümlaut/😀',
  ])('accepts %j', (topic) => {
    expect(topicNameProblem(topic)).toBeNull();
  });

  it('rejects the empty topic name [MQTT-4.7.3-1]', () => {
    expect(topicNameProblem('')).toMatch(/empty/);
  });

  it.each(['sport/+', '+', '#', 'sport/#', 'sport/tennis#', 'sport+', 'a/+/b'])(
    'rejects wildcards in a topic name %j [MQTT-4.7.1-1] [MQTT-3.3.2-2]',
    (topic) => {
      expect(topicNameProblem(topic)).toMatch(/wildcard/);
    },
  );

  it('rejects U+0000 [MQTT-4.7.3-2] [MQTT-1.5.3-2]', () => {
    expect(topicNameProblem('a/\u0000/b')).not.toBeNull();
    expect(topicNameProblem('\u0000')).not.toBeNull();
  });

  it('rejects a lone surrogate, which has no UTF-8 form, and accepts U+FFFD, which is a character [MQTT-1.5.3-1]', () => {
    expect(topicNameProblem('a/\uD800')).not.toBeNull();
    expect(topicNameProblem('a/\uFFFD')).toBeNull();
  });
});

describe('topicFilterProblem', () => {
  it.each([
    'sport/tennis/player1/#',
    'sport/#',
    '#',
    '+',
    '+/+',
    '/+',
    '+/tennis/#',
    'sport/+/player1',
    'sport/tennis/+',
    '$SYS/#',
    '$SYS/monitor/+',
    '+/monitor/Clients',
    'a//b',
    '/',
    '+//+',
    '/#',
    '//#',
    '$share/group/a/#', // a valid filter as a string; the shared form is parseSharedFilter's job
  ])('accepts %j', (filter) => {
    expect(topicFilterProblem(filter)).toBeNull();
  });

  it('rejects the empty filter [MQTT-4.7.3-1]', () => {
    expect(topicFilterProblem('')).toMatch(/empty/);
  });

  it.each([
    ['sport/tennis#', "'#' must occupy a whole level"],
    ['sport/tennis/#/ranking', "'#' must be the last level"],
    ['sport+', "'+' must occupy a whole level"],
    ['#/a', "'#' must be the last level"],
    ['#/', "'#' must be the last level"],
    ['a/#/', "'#' must be the last level"],
    ['a/b+/c', "'+' must occupy a whole level"],
    ['a/+b', "'+' must occupy a whole level"],
    ['a/##', "'#' must occupy a whole level"],
    ['++', "'+' must occupy a whole level"],
    ['+#', 'two wildcards in one level'],
  ])('rejects %j (%s) [MQTT-4.7.1-2] [MQTT-4.7.1-3]', (filter) => {
    expect(topicFilterProblem(filter)).not.toBeNull();
  });

  it('rejects U+0000 and lone surrogates', () => {
    expect(topicFilterProblem('a/\u0000/#')).not.toBeNull();
    expect(topicFilterProblem('+/\uDC00')).not.toBeNull();
    expect(topicFilterProblem('+/\uFFFD')).toBeNull();
  });
});

describe('encodingProblem', () => {
  it('is null for ordinary text and U+FFFD, a message for U+0000 and lone surrogates', () => {
    expect(encodingProblem('plain/text')).toBeNull();
    expect(encodingProblem('x\u0000')).toMatch(/U\+0000/);
    expect(encodingProblem('x\uD83D')).toMatch(/UTF-8/);
    expect(encodingProblem('x\uFFFD\uD83D\uDE00')).toBeNull();
  });
});

describe('parseSharedFilter', () => {
  it('is null for a filter that is not shared', () => {
    expect(parseSharedFilter('a/b')).toBeNull();
    expect(parseSharedFilter('#')).toBeNull();
    expect(parseSharedFilter('$SYS/#')).toBeNull();
    expect(parseSharedFilter('$sharefoo/g/a')).toBeNull();
    expect(parseSharedFilter('share/g/a')).toBeNull();
  });

  it('splits $share/{ShareName}/{filter} [MQTT 5 §4.8.2]', () => {
    expect(parseSharedFilter('$share/consumer1/sport/tennis/+')).toEqual({ group: 'consumer1', filter: 'sport/tennis/+' });
    expect(parseSharedFilter('$share/g/#')).toEqual({ group: 'g', filter: '#' });
    expect(parseSharedFilter('$share/g//a')).toEqual({ group: 'g', filter: '/a' });
    expect(parseSharedFilter('$share/g/$SYS/x')).toEqual({ group: 'g', filter: '$SYS/x' });
  });

  it.each([
    '$share/',
    '$share/group', // no topic filter
    '$share/group/', // empty topic filter
    '$share//a', // empty ShareName
    '$share/gr+up/a', // ShareName must not contain '+' [MQTT-4.8.2-2]
    '$share/gr#up/a', // ... nor '#'
    '$share/+/a',
    '$share/#/a',
  ])('rejects %j', (filter) => {
    expect(parseSharedFilter(filter)).toBe('invalid');
  });
});

describe('topicMatches — §4.7.1.2 multi-level wildcard', () => {
  it('"sport/tennis/player1/#" matches the parent and everything below', () => {
    const f = 'sport/tennis/player1/#';
    expect(topicMatches(f, 'sport/tennis/player1')).toBe(true);
    expect(topicMatches(f, 'sport/tennis/player1/ranking')).toBe(true);
    expect(topicMatches(f, 'sport/tennis/player1/score/wimbledon')).toBe(true);
    expect(topicMatches(f, 'sport/tennis/player2')).toBe(false);
    expect(topicMatches(f, 'sport/tennis')).toBe(false);
    expect(topicMatches(f, 'sport/tennis/player10')).toBe(false);
  });

  it('"sport/#" also matches the singular "sport" (the parent level)', () => {
    expect(topicMatches('sport/#', 'sport')).toBe(true);
    expect(topicMatches('sport/#', 'sport/')).toBe(true);
    expect(topicMatches('sport/#', 'sports')).toBe(false);
    expect(topicMatches('sport/#', '/sport')).toBe(false);
  });

  it('"#" matches every topic not starting with $', () => {
    for (const t of ['a', '/', '/finance', 'a/b/c', 'a//b', 'sport/tennis/player1']) expect(topicMatches('#', t)).toBe(true);
  });
});

describe('topicMatches — §4.7.1.3 single-level wildcard', () => {
  it('"sport/tennis/+" matches one level exactly', () => {
    expect(topicMatches('sport/tennis/+', 'sport/tennis/player1')).toBe(true);
    expect(topicMatches('sport/tennis/+', 'sport/tennis/player2')).toBe(true);
    expect(topicMatches('sport/tennis/+', 'sport/tennis/player1/ranking')).toBe(false);
    expect(topicMatches('sport/tennis/+', 'sport/tennis')).toBe(false);
  });

  it('"sport/+" does not match "sport" but does match "sport/"', () => {
    expect(topicMatches('sport/+', 'sport')).toBe(false);
    expect(topicMatches('sport/+', 'sport/')).toBe(true);
  });

  it('"/finance" is matched by "+/+" and "/+" but not by "+"', () => {
    expect(topicMatches('+/+', '/finance')).toBe(true);
    expect(topicMatches('/+', '/finance')).toBe(true);
    expect(topicMatches('+', '/finance')).toBe(false);
  });

  it('"+" matches an empty level, and "+/tennis/#" mixes both wildcards', () => {
    expect(topicMatches('a/+/b', 'a//b')).toBe(true);
    expect(topicMatches('+', 'finance')).toBe(true);
    expect(topicMatches('+/tennis/#', 'sport/tennis/player1/ranking')).toBe(true);
    expect(topicMatches('+/tennis/#', 'sport/tennis')).toBe(true);
    expect(topicMatches('+/tennis/#', 'sport/golf')).toBe(false);
    expect(topicMatches('sport/+/player1', 'sport/tennis/player1')).toBe(true);
  });
});

describe('topicMatches — §4.7.2 topics beginning with $', () => {
  it('"#" does not match $SYS topics, "$SYS/#" does [MQTT-4.7.2-1]', () => {
    expect(topicMatches('#', '$SYS/broker/clients')).toBe(false);
    expect(topicMatches('#', '$SYS')).toBe(false);
    expect(topicMatches('$SYS/#', '$SYS/broker/clients')).toBe(true);
    expect(topicMatches('$SYS/#', '$SYS')).toBe(true);
  });

  it('"+/monitor/Clients" does not match "$SYS/monitor/Clients", "$SYS/monitor/+" does', () => {
    expect(topicMatches('+/monitor/Clients', '$SYS/monitor/Clients')).toBe(false);
    expect(topicMatches('$SYS/monitor/+', '$SYS/monitor/Clients')).toBe(true);
    expect(topicMatches('+/#', '$SYS/monitor')).toBe(false);
    expect(topicMatches('+', '$SYS')).toBe(false);
  });

  it('the $ rule is only for the first level', () => {
    expect(topicMatches('a/+', 'a/$x')).toBe(true);
    expect(topicMatches('a/#', 'a/$x/y')).toBe(true);
  });
});

describe('topicMatches — exact levels', () => {
  it('is case-sensitive, keeps spaces, and distinguishes a leading or trailing "/"', () => {
    expect(topicMatches('ACCOUNTS', 'Accounts')).toBe(false);
    expect(topicMatches('Accounts payable', 'Accounts payable')).toBe(true);
    expect(topicMatches('/finance', 'finance')).toBe(false);
    expect(topicMatches('finance', '/finance')).toBe(false);
    expect(topicMatches('finance', 'finance/')).toBe(false);
  });

  it('treats empty levels as levels', () => {
    expect(topicMatches('a//b', 'a//b')).toBe(true);
    expect(topicMatches('a//b', 'a/b')).toBe(false);
    expect(topicMatches('a/b', 'a//b')).toBe(false);
    expect(topicMatches('//', '//')).toBe(true);
    expect(topicMatches('/', '//')).toBe(false);
  });

  it('a longer or shorter filter does not match', () => {
    expect(topicMatches('a/b/c', 'a/b')).toBe(false);
    expect(topicMatches('a/b', 'a/b/c')).toBe(false);
  });
});
