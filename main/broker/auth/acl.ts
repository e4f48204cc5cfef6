// Mosquitto `acl_file` access control, following mosquitto 2.0 `src/security_default.c`
// (`aclfile__parse`, `mosquitto_acl_check_default`):
//   topic [read|write|readwrite|deny] FILTER   -- for the current `user`, or anonymous clients before any `user` line
//   user USERNAME
//   pattern [read|write|readwrite|deny] FILTER -- for every client, with %c = client id and %u = username
// Evaluation order is Mosquitto's: the client's own `topic` list first, then the patterns. Within each list a
// matching `deny` wins over any grant; the first list that decides (deny or grant) ends the check, so a user's
// own `topic` grant is not undone by a `pattern ... deny`. Anything not granted is denied.

import { readFileSync } from 'node:fs';
import { parseSharedFilter, topicFilterProblem, topicMatches } from '../../../shared/mqtt/topic.js';

export interface AclSubject {
  clientId: string;
  username?: string;
}

const READ = 1;
const WRITE = 2;
const ACCESS = new Map<string, number>([['read', READ], ['write', WRITE], ['readwrite', READ | WRITE], ['deny', 0]]);

interface Rule {
  filter: string;
  /** Bit set of READ/WRITE; 0 means deny. */
  access: number;
}

/** Does ACL filter `acl` allow everything that subscription filter `sub` could match? Both must be valid filters. */
export function filterCovers(acl: string, sub: string): boolean {
  // A first-level wildcard never reaches `$` topics [MQTT-4.7.2-1], so it cannot cover a `$` filter either.
  if (sub.startsWith('$') && (acl.startsWith('+') || acl.startsWith('#'))) return false;
  const a = acl.split('/');
  const s = sub.split('/');
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '#') return true; // covers the rest, including the parent level (`a/#` covers `a`)
    if (i >= s.length) return false;
    if (s[i] === '#') return false; // only `#` covers `#`
    if (a[i] === '+') continue; // covers a literal level or `+`
    if (a[i] !== s[i]) return false; // a literal covers only the same literal, never `+`
  }
  return a.length === s.length;
}

// Mosquitto 2.0 denies every pattern check for ids/usernames with `+`/`#`: substituted, they would act as wildcards.
const WILDCARD = /[+#]/;

/** The pattern with %c/%u filled in, or null when it cannot apply to this client. */
function substitute(pattern: string, subject: AclSubject): string | null {
  let refused = false;
  const out = pattern.replace(/%([cu])/g, (_m, which: string) => {
    const value = which === 'c' ? subject.clientId : subject.username;
    // No username → `%u` patterns never match. Empty or `/`-containing values would let the client
    // reach other levels (`%c/#` with id "" is `/#`), so later Mosquitto versions never match them either.
    if (value === undefined || value === '' || value.includes('/')) refused = true;
    return value ?? '';
  });
  return refused ? null : out;
}

/** Mosquitto's per-list decision: a matching deny wins, then any matching grant; undefined when nothing matched. */
function decide(rules: readonly Rule[], wanted: number, matches: (filter: string) => boolean): boolean | undefined {
  let granted = false;
  for (const rule of rules) {
    if (!matches(rule.filter)) continue;
    if (rule.access === 0) return false;
    if (rule.access & wanted) granted = true;
  }
  return granted ? true : undefined;
}

export class AclFile {
  private constructor(
    private readonly anonymous: Rule[],
    private readonly users: Map<string, Rule[]>,
    private readonly patterns: Rule[],
  ) {}

  static parse(text: string, source = '<text>'): AclFile {
    const anonymous: Rule[] = [];
    const users = new Map<string, Rule[]>();
    const patterns: Rule[] = [];
    let current = anonymous; // `topic` lines before any `user` line are for clients without a username
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      const fail = (why: string) => new Error(`acl file ${source} line ${i + 1}: ${why}`);
      const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
      if (keyword === 'user') {
        if (!rest) throw fail('missing username after "user"');
        // Several sections for one user add up, as in Mosquitto.
        const existing = users.get(rest);
        current = existing ?? [];
        if (!existing) users.set(rest, current);
      } else if (keyword === 'topic' || keyword === 'pattern') {
        if (!rest) throw fail(`missing topic filter after "${keyword}"`);
        // With a single word that word is the filter (so `topic read` grants readwrite on "read", as Mosquitto does);
        // with more, the first word must be the access and the rest, spaces included, is the filter.
        const [, first, filterRest] = /^(\S+)\s*(.*)$/.exec(rest) ?? [];
        let access = READ | WRITE;
        let filter = first;
        if (filterRest) {
          const bits = ACCESS.get(first);
          if (bits === undefined) throw fail(`invalid access "${first}" (expected read, write, readwrite or deny)`);
          access = bits;
          filter = filterRest;
        }
        const problem = topicFilterProblem(filter);
        if (problem) throw fail(`invalid topic filter "${filter}": ${problem}`);
        (keyword === 'topic' ? current : patterns).push({ filter, access });
      } else {
        throw fail(`unknown keyword "${keyword}" (expected topic, user or pattern)`);
      }
    }
    return new AclFile(anonymous, users, patterns);
  }

  static load(path: string): AclFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read acl file ${path}: ${(err as Error).message}`);
    }
    return AclFile.parse(text, path);
  }

  canPublish(subject: AclSubject, topic: string): boolean {
    return this.check(subject, WRITE, (filter) => topicMatches(filter, topic));
  }

  canReceive(subject: AclSubject, topic: string): boolean {
    return this.check(subject, READ, (filter) => topicMatches(filter, topic));
  }

  /**
   * Stock Mosquitto's acl_file accepts every SUBSCRIBE and only filters delivery; we refuse up front unless
   * a `read` entry covers the whole filter (as the dynamic-security plugin does). Shared subscriptions are
   * checked by their inner filter.
   */
  canSubscribe(subject: AclSubject, filter: string): boolean {
    const shared = parseSharedFilter(filter);
    if (shared === 'invalid') return false;
    const inner = shared ? shared.filter : filter;
    if (topicFilterProblem(inner)) return false;
    return this.check(subject, READ, (acl) => filterCovers(acl, inner));
  }

  private check(subject: AclSubject, wanted: number, matches: (filter: string) => boolean): boolean {
    const own = subject.username === undefined ? this.anonymous : this.users.get(subject.username);
    const ownDecision = own ? decide(own, wanted, matches) : undefined;
    if (ownDecision !== undefined) return ownDecision;
    if (this.patterns.length === 0) return false;
    if (WILDCARD.test(subject.clientId) || WILDCARD.test(subject.username ?? '')) return false;
    const applicable: Rule[] = [];
    for (const rule of this.patterns) {
      const filter = substitute(rule.filter, subject);
      if (filter !== null) applicable.push({ filter, access: rule.access });
    }
    return decide(applicable, wanted, matches) ?? false;
  }
}
