// Topic names and topic filters, as MQTT 3.1.1 §4.7 and MQTT 5.0 §4.7 define them.
// Pure functions shared by the broker, the named clients, the UI and the tests.

/** Why a topic name or filter is invalid, or null when it is valid. */
export type TopicProblem = string | null;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** U+0000 is forbidden [MQTT-1.5.3-2]; a lone surrogate has no UTF-8 form [MQTT-1.5.3-1]. */
export function encodingProblem(s: string): TopicProblem {
  if (s.includes('\u0000')) return 'contains the null character U+0000';
  if (LONE_SURROGATE.test(s)) return 'is not valid UTF-8';
  return null;
}

/** A topic name is what a PUBLISH carries: no wildcards [MQTT-3.3.2-2]. */
export function topicNameProblem(topic: string): TopicProblem {
  if (topic.length === 0) return 'is empty';
  if (topic.includes('+') || topic.includes('#')) return 'contains a wildcard (+ or #)';
  return encodingProblem(topic);
}

/** A topic filter is what a SUBSCRIBE carries: `+` fills one whole level, `#` only the last [MQTT-4.7.1-2/3]. */
export function topicFilterProblem(filter: string): TopicProblem {
  if (filter.length === 0) return 'is empty';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level === '#') {
      if (i !== levels.length - 1) return "has '#' before the last level";
    } else if (level !== '+' && (level.includes('+') || level.includes('#'))) {
      return 'has a wildcard that is not a whole level';
    }
  }
  return encodingProblem(filter);
}

export interface SharedFilter {
  group: string;
  filter: string;
}

/** Splits `$share/{group}/{filter}`; null when the filter is not a shared one. Throws nothing. */
export function parseSharedFilter(filter: string): SharedFilter | null | 'invalid' {
  if (!filter.startsWith('$share/')) return null;
  const rest = filter.slice('$share/'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return 'invalid';
  const group = rest.slice(0, slash);
  const inner = rest.slice(slash + 1);
  if (group.includes('+') || group.includes('#') || inner.length === 0) return 'invalid';
  return { group, filter: inner };
}

/**
 * Does `filter` match `topic`? Wildcards at the first level do not match `$`-topics [MQTT-4.7.2-1].
 * `#` also matches the parent level (`a/#` matches `a`) [MQTT-4.7.1-2].
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
