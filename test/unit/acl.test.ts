import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AclFile, filterCovers } from '../../main/broker/auth/acl.js';

const anon = { clientId: 'anon-1' };
const alice = { clientId: 'c-alice', username: 'alice' };
const bob = { clientId: 'c-bob', username: 'bob' };

describe('AclFile sections', () => {
  const acl = AclFile.parse(`
# anonymous clients
topic read public/#

user alice
topic readwrite alice/#
topic write   shared/inbox

user bob
topic bob/#
`);

  it('applies topic lines before any user line to anonymous clients only', () => {
    expect(acl.canReceive(anon, 'public/news')).toBe(true);
    expect(acl.canPublish(anon, 'public/news')).toBe(false);
    expect(acl.canReceive(alice, 'public/news')).toBe(false);
  });

  it('applies a user section to that user only', () => {
    expect(acl.canPublish(alice, 'alice/x')).toBe(true);
    expect(acl.canPublish(alice, 'shared/inbox')).toBe(true);
    expect(acl.canPublish(bob, 'alice/x')).toBe(false);
    expect(acl.canPublish(anon, 'alice/x')).toBe(false);
    expect(acl.canPublish({ clientId: 'x', username: 'carol' }, 'alice/x')).toBe(false);
  });

  it('defaults to readwrite', () => {
    expect(acl.canPublish(bob, 'bob/a')).toBe(true);
    expect(acl.canReceive(bob, 'bob/a')).toBe(true);
  });

  it('distinguishes read, write and readwrite', () => {
    expect(acl.canReceive(alice, 'shared/inbox')).toBe(false);
    expect(acl.canSubscribe(alice, 'shared/inbox')).toBe(false);
    expect(acl.canReceive(alice, 'alice/deep/topic')).toBe(true);
    expect(acl.canSubscribe(anon, 'public/#')).toBe(true);
  });

  it('denies what nothing grants', () => {
    expect(acl.canPublish(alice, 'other')).toBe(false);
    expect(AclFile.parse('').canReceive(anon, 'a')).toBe(false);
  });

  it('treats an empty username as a username, not as anonymous', () => {
    expect(acl.canReceive({ clientId: 'x', username: '' }, 'public/news')).toBe(false);
  });

  it('merges repeated sections for the same user', () => {
    const merged = AclFile.parse('user u\ntopic read a\nuser v\ntopic read b\nuser u\ntopic read c');
    const u = { clientId: 'x', username: 'u' };
    expect(merged.canReceive(u, 'a')).toBe(true);
    expect(merged.canReceive(u, 'b')).toBe(false);
    expect(merged.canReceive(u, 'c')).toBe(true);
  });

  it('takes the filter from the rest of the line, spaces included', () => {
    const spaced = AclFile.parse('topic read  my room/temp  \ntopic read');
    expect(spaced.canReceive(anon, 'my room/temp')).toBe(true);
    // A lone word is the filter, with the default readwrite access (as in Mosquitto).
    expect(spaced.canPublish(anon, 'read')).toBe(true);
  });
});

describe('AclFile patterns', () => {
  const acl = AclFile.parse(`
pattern readwrite devices/%c/#
pattern read users/%u/#
pattern write log/%u/%c
`);

  it('substitutes the client id for %c', () => {
    expect(acl.canPublish(anon, 'devices/anon-1/state')).toBe(true);
    expect(acl.canPublish(anon, 'devices/anon-2/state')).toBe(false);
    expect(acl.canSubscribe(anon, 'devices/anon-1/#')).toBe(true);
  });

  it('substitutes the username for %u', () => {
    expect(acl.canReceive(alice, 'users/alice/inbox')).toBe(true);
    expect(acl.canReceive(alice, 'users/bob/inbox')).toBe(false);
    expect(acl.canPublish(alice, 'log/alice/c-alice')).toBe(true);
    expect(acl.canPublish(alice, 'log/alice/c-bob')).toBe(false);
  });

  it('never matches %u for a client without a username', () => {
    expect(acl.canReceive(anon, 'users//inbox')).toBe(false);
    expect(acl.canReceive(anon, 'users/%u/inbox')).toBe(false);
    expect(acl.canPublish(anon, 'log//anon-1')).toBe(false);
  });

  it('applies after the user section', () => {
    const both = AclFile.parse('user alice\ntopic read a\npattern read %u/#');
    expect(both.canReceive(alice, 'a')).toBe(true);
    expect(both.canReceive(alice, 'alice/x')).toBe(true);
  });

  it('refuses client ids and usernames containing wildcards or slashes', () => {
    expect(acl.canPublish({ clientId: '+' }, 'devices/x/state')).toBe(false);
    expect(acl.canPublish({ clientId: '#' }, 'devices/x/state')).toBe(false);
    expect(acl.canReceive({ clientId: 'c', username: 'a+b' }, 'users/a+b/x')).toBe(false);
    expect(acl.canPublish({ clientId: 'a/b' }, 'devices/a/b/state')).toBe(false);
    expect(acl.canReceive({ clientId: 'c', username: 'a/b' }, 'users/a/b/x')).toBe(false);
    expect(acl.canPublish({ clientId: '' }, 'devices//state')).toBe(false);
  });
});

describe('AclFile deny', () => {
  it('takes precedence over grants in the same section, wherever it appears', () => {
    const acl = AclFile.parse('topic readwrite home/#\ntopic deny home/secret/#\nuser alice\ntopic read #\ntopic deny #');
    expect(acl.canReceive(anon, 'home/kitchen')).toBe(true);
    expect(acl.canReceive(anon, 'home/secret/key')).toBe(false);
    expect(acl.canPublish(anon, 'home/secret')).toBe(false);
    expect(acl.canReceive(alice, 'anything')).toBe(false);
  });

  it('blocks a subscription only when the deny covers the whole filter', () => {
    const acl = AclFile.parse('topic read home/#\ntopic deny home/secret');
    expect(acl.canSubscribe(anon, 'home/secret')).toBe(false);
    expect(acl.canSubscribe(anon, 'home/#')).toBe(true); // delivery of home/secret is still refused
    expect(acl.canReceive(anon, 'home/secret')).toBe(false);
  });

  it('applies in the pattern section, but not over a grant from the user section (as in Mosquitto)', () => {
    const acl = AclFile.parse('user alice\ntopic read a/#\npattern read %c/#\npattern deny a/b\npattern deny %c/private');
    expect(acl.canReceive(alice, 'a/b')).toBe(true);
    expect(acl.canPublish(alice, 'a/b')).toBe(false);
    expect(acl.canReceive(alice, 'c-alice/public')).toBe(true);
    expect(acl.canReceive(alice, 'c-alice/private')).toBe(false);
  });
});

describe('AclFile subscriptions', () => {
  const acl = AclFile.parse('topic read sensors/#\ntopic read rooms/+/temp\ntopic write cmd/#');

  it('allows filters covered by a # entry', () => {
    expect(acl.canSubscribe(anon, 'sensors/#')).toBe(true);
    expect(acl.canSubscribe(anon, 'sensors/+/temp')).toBe(true);
    expect(acl.canSubscribe(anon, 'sensors')).toBe(true);
    expect(acl.canSubscribe(anon, '#')).toBe(false);
    expect(acl.canSubscribe(anon, '+/temp')).toBe(false);
  });

  it('allows filters covered by a + entry', () => {
    expect(acl.canSubscribe(anon, 'rooms/a/temp')).toBe(true);
    expect(acl.canSubscribe(anon, 'rooms/+/temp')).toBe(true);
    expect(acl.canSubscribe(anon, 'rooms/#')).toBe(false);
    expect(acl.canSubscribe(anon, 'rooms/+/#')).toBe(false);
    expect(acl.canSubscribe(anon, 'rooms/+/+')).toBe(false);
    expect(acl.canSubscribe(anon, 'rooms/a')).toBe(false);
  });

  it('needs read access', () => {
    expect(acl.canSubscribe(anon, 'cmd/#')).toBe(false);
  });

  it('checks the inner filter of a shared subscription', () => {
    expect(acl.canSubscribe(anon, '$share/g/sensors/#')).toBe(true);
    expect(acl.canSubscribe(anon, '$share/g/#')).toBe(false);
    expect(acl.canSubscribe(anon, '$share/g')).toBe(false);
  });

  it('refuses invalid filters', () => {
    expect(acl.canSubscribe(anon, 'sensors/a#')).toBe(false);
    expect(acl.canSubscribe(anon, '')).toBe(false);
  });
});

describe('filterCovers', () => {
  it.each([
    ['#', 'a/b', true],
    ['#', '#', true],
    ['a/#', 'a', true],
    ['a/#', 'a/+/c', true],
    ['a/+', 'a/+', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/#', false],
    ['a/b', 'a/+', false],
    ['+/+', 'a/b', true],
    ['+/#', 'a', true],
    ['a/+/#', 'a', false],
    ['a/+/#', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['#', '$SYS/#', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/broker/+', true],
    ['$SYS/broker/uptime', '$SYS/broker/#', false],
  ])('%s covers %s: %s', (acl, sub, expected) => {
    expect(filterCovers(acl, sub)).toBe(expected);
  });
});

describe('AclFile $ topics', () => {
  const acl = AclFile.parse('topic read #\ntopic read +/status\ntopic read $SYS/broker/#');

  it('does not let first-level wildcards reach $ topics', () => {
    expect(acl.canReceive(anon, 'a/b')).toBe(true);
    expect(acl.canReceive(anon, '$SYS/uptime')).toBe(false);
    expect(acl.canReceive(anon, '$foo/status')).toBe(false);
    expect(acl.canSubscribe(anon, '$SYS/#')).toBe(false);
  });

  it('lets $ entries grant $ topics', () => {
    expect(acl.canReceive(anon, '$SYS/broker/uptime')).toBe(true);
    expect(acl.canSubscribe(anon, '$SYS/broker/#')).toBe(true);
  });
});

describe('AclFile errors', () => {
  it.each([
    ['frobnicate x', 'unknown keyword "frobnicate" (expected topic, user or pattern)'],
    ['topic', 'missing topic filter after "topic"'],
    ['pattern   ', 'missing topic filter after "pattern"'],
    ['user', 'missing username after "user"'],
    ['topic readonly a/b', 'invalid access "readonly" (expected read, write, readwrite or deny)'],
    ['topic my topic', 'invalid access "my"'],
    ['topic toString a', 'invalid access "toString"'],
    ['topic read a/#/b', `invalid topic filter "a/#/b": has '#' before the last level`],
    ['pattern write a+/%c', 'invalid topic filter "a+/%c"'],
  ])('rejects %j with its line number', (line, message) => {
    expect(() => AclFile.parse(`# header\n\n${line}\ntopic a`, 'my.acl')).toThrow(`acl file my.acl line 3: ${message}`);
  });

  it('loads from disk and names the file in errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acl-test-'));
    try {
      const good = path.join(dir, 'good.acl');
      fs.writeFileSync(good, 'user alice\r\ntopic read a/#\r\n');
      expect(AclFile.load(good).canReceive(alice, 'a/b')).toBe(true);
      const bad = path.join(dir, 'bad.acl');
      fs.writeFileSync(bad, 'topic nope a\n');
      expect(() => AclFile.load(bad)).toThrow(`acl file ${bad} line 1: invalid access "nope"`);
      const missing = path.join(dir, 'missing.acl');
      expect(() => AclFile.load(missing)).toThrow(`cannot read acl file ${missing}: `);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
