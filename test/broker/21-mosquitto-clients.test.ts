// mosquitto_pub / mosquitto_sub 2.0.11 as the peers: QoS 0/1/2, retained messages, MQTT 5 user
// properties, and a password file (made by the real mosquitto_passwd) plus a Mosquitto ACL file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclFile, createAuth, PasswordFile } from '../../main/broker/index.js';
import { collect, connect, end, startBroker, type TestBroker } from '../helpers/broker.js';
import { killChildren, run, start, type Child, type RunResult } from '../helpers/process.js';

const WAIT_SECONDS = '5'; // -W for every mosquitto_sub: it gives up (non-zero exit) after this
const RUN_MS = 10_000; // and the test kills it after this, should -W not work

let dir: string;
beforeAll(async () => {
  for (const tool of ['mosquitto_pub', 'mosquitto_sub', 'mosquitto_passwd', 'stdbuf']) {
    const which = await run('sh', ['-c', `command -v ${tool}`], 5000);
    if (which.code !== 0) throw new Error(`${tool} is not installed (apt-get install mosquitto-clients mosquitto coreutils)`);
  }
  dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-mosq-'));
});
afterAll(async () => {
  await killChildren();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function pub(port: number, args: readonly string[]): Promise<RunResult> {
  return run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), ...args], RUN_MS);
}

/** Runs mosquitto_sub to completion (use -C n to make it stop); -W always applies. */
function sub(port: number, args: readonly string[]): Promise<RunResult> {
  return run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-W', WAIT_SECONDS, ...args], RUN_MS);
}

/** mosquitto_sub messages are printed as `MSG|<fields>`, so they stand out among the -d debug lines. */
const MSG = 'MSG|';

/**
 * Starts mosquitto_sub with -d (line-buffered through stdbuf, so its "Subscribed" line arrives as it
 * happens) and waits for the SUBACK. Returns the granted QoS / return codes it printed.
 */
async function liveSub(port: number, args: readonly string[]): Promise<{ child: Child; granted: number[] }> {
  const child = start('stdbuf', ['-oL', 'mosquitto_sub', '-d', '-h', '127.0.0.1', '-p', String(port), '-W', WAIT_SECONDS, ...args]);
  const match = await child.waitForLine(/^Subscribed \(mid: \d+\): ([\d, ]+)$/, RUN_MS, 'mosquitto_sub to be subscribed');
  return { child, granted: match[1].split(',').map((s) => Number(s.trim())) };
}

/** The `MSG|…` lines of a finished mosquitto_sub, prefix removed. */
function printed(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(MSG)).map((l) => l.slice(MSG.length));
}

describe('21-mosquitto-clients: anonymous broker', () => {
  let b: TestBroker;
  beforeAll(async () => { b = await startBroker(); });
  afterAll(() => b?.close());

  for (const qos of [0, 1, 2]) {
    it(`QoS ${qos}: mosquitto_sub -q ${qos} gets three messages from mosquitto_pub -q ${qos}, at QoS ${qos}`, async () => {
      const topic = `mosq/qos${qos}`;
      const { child, granted } = await liveSub(b.port, ['-q', String(qos), '-t', topic, '-C', '3', '-F', `${MSG}%q|%r|%t|%p`]);
      expect(granted).toEqual([qos]);
      for (const payload of ['one', 'two', 'three']) {
        const result = await pub(b.port, ['-q', String(qos), '-t', topic, '-m', payload]);
        expect(result.code, result.stderr).toBe(0);
      }
      const exit = await child.waitForExit(RUN_MS);
      expect(exit.code, child.describe()).toBe(0);
      // One publisher, one topic, one QoS: the order is kept [MQTT-4.6.0-6].
      expect(printed(child.stdout)).toEqual([`${qos}|0|${topic}|one`, `${qos}|0|${topic}|two`, `${qos}|0|${topic}|three`]);
    });
  }

  it('a QoS 2 publish to a QoS 1 subscription arrives at QoS 1 (the minimum of the two) [MQTT-3.8.4-6]', async () => {
    const { child } = await liveSub(b.port, ['-q', '1', '-t', 'mosq/down', '-C', '1', '-F', `${MSG}%q|%p`]);
    expect((await pub(b.port, ['-q', '2', '-t', 'mosq/down', '-m', 'x'])).code).toBe(0);
    expect((await child.waitForExit(RUN_MS)).code, child.describe()).toBe(0);
    expect(printed(child.stdout)).toEqual(['1|x']);
  });

  it('retained (-r): a late mosquitto_sub -v --retained-only gets it; -F "%r %t %p" shows retain 1 [MQTT-3.3.1-6]', async () => {
    expect((await pub(b.port, ['-r', '-q', '1', '-t', 'mosq/retained/temp', '-m', '666'])).code).toBe(0);

    const verbose = await sub(b.port, ['-v', '--retained-only', '-t', 'mosq/retained/#', '-C', '1']);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stdout.trim()).toBe('mosq/retained/temp 666');

    const formatted = await sub(b.port, ['-F', '%r %t %p', '-t', 'mosq/retained/temp', '-C', '1']);
    expect(formatted.code, formatted.stderr).toBe(0);
    expect(formatted.stdout.trim()).toBe('1 mosq/retained/temp 666');
  });

  it('a retained message is replaced by the next retained publish on the topic [MQTT-3.3.1-5]', async () => {
    expect((await pub(b.port, ['-r', '-t', 'mosq/replace', '-m', 'old'])).code).toBe(0);
    expect((await pub(b.port, ['-r', '-t', 'mosq/replace', '-m', 'new'])).code).toBe(0);
    const result = await sub(b.port, ['-F', '%r %p', '-t', 'mosq/replace', '-C', '1']);
    expect(result.stdout.trim()).toBe('1 new');
  });

  it('-r -n clears a retained message: a later subscriber gets none [MQTT-3.3.1-10, MQTT-3.3.1-11]', async () => {
    expect((await pub(b.port, ['-r', '-q', '1', '-t', 'mosq/clear/a', '-m', 'doomed'])).code).toBe(0);
    expect((await pub(b.port, ['-r', '-q', '1', '-t', 'mosq/clear/b', '-m', 'kept'])).code).toBe(0);
    const before = await sub(b.port, ['-F', '%t=%p', '-t', 'mosq/clear/a', '-C', '1']);
    expect(before.stdout.trim()).toBe('mosq/clear/a=doomed');

    expect((await pub(b.port, ['-r', '-n', '-q', '1', '-t', 'mosq/clear/a'])).code).toBe(0);

    // --retained-only prints the retained messages and exits on the first live (non-retained) one,
    // which we send after the SUBACK: everything printed before it is what the broker still retains.
    const { child } = await liveSub(b.port, ['--retained-only', '-t', 'mosq/clear/#', '-F', `${MSG}%r|%t|%p`]);
    expect((await pub(b.port, ['-q', '1', '-t', 'mosq/clear/end', '-m', 'end'])).code).toBe(0);
    expect((await child.waitForExit(RUN_MS)).code, child.describe()).toBe(0);
    expect(printed(child.stdout)).toEqual(['1|mosq/clear/b|kept']);
  });

  it('MQTT 5: user properties from mosquitto_pub -D publish user-property reach mosquitto_sub -V mqttv5 -F %P', async () => {
    const { child } = await liveSub(b.port, ['-V', 'mqttv5', '-q', '1', '-t', 'mosq/v5', '-C', '1', '-F', `${MSG}%P|%p`]);
    const result = await pub(b.port, [
      '-V', 'mqttv5', '-q', '1', '-t', 'mosq/v5', '-m', 'props',
      '-D', 'publish', 'user-property', 'robot', 'cell-1',
      '-D', 'publish', 'user-property', 'unit', 'celsius',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect((await child.waitForExit(RUN_MS)).code, child.describe()).toBe(0);
    // %P prints each user property as key:value, separated by spaces.
    expect(printed(child.stdout)).toEqual(['robot:cell-1 unit:celsius|props']);
  });

  it('MQTT 5: content type and response topic from mosquitto_pub reach mosquitto_sub (-F %C %R) [MQTT-3.3.2-20]', async () => {
    const { child } = await liveSub(b.port, ['-V', 'mqttv5', '-t', 'mosq/v5/req', '-C', '1', '-F', `${MSG}%C|%R|%p`]);
    const result = await pub(b.port, [
      '-V', 'mqttv5', '-t', 'mosq/v5/req', '-m', '{}',
      '-D', 'publish', 'content-type', 'application/json',
      '-D', 'publish', 'response-topic', 'mosq/v5/reply',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect((await child.waitForExit(RUN_MS)).code, child.describe()).toBe(0);
    expect(printed(child.stdout)).toEqual(['application/json|mosq/v5/reply|{}']);
  });
});

describe('21-mosquitto-clients: password file (mosquitto_passwd) and ACL file', () => {
  let b: TestBroker;
  beforeAll(async () => {
    const passwords = join(dir, 'passwords');
    for (const [i, [user, password]] of [['writer', 'w-secret'], ['reader', 'r-secret']].entries()) {
      const made = await run('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', passwords, user, password], 10_000);
      if (made.code !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
    }
    const acl = join(dir, 'acl');
    writeFileSync(acl, [
      '# writer may publish to sensors/# but not read it; reader the other way round',
      'user writer',
      'topic write sensors/#',
      '',
      'user reader',
      'topic read sensors/#',
      '',
    ].join('\n'));
    b = await startBroker({ auth: createAuth({ passwordFile: PasswordFile.load(passwords), aclFile: AclFile.load(acl) }) });
  });
  afterAll(() => b?.close());

  it('the right password connects and publishes', async () => {
    const result = await pub(b.port, ['-u', 'writer', '-P', 'w-secret', '-q', '1', '-t', 'sensors/ok', '-m', '1']);
    expect(result.code, result.stderr).toBe(0);
  });

  it('a wrong password is refused: 3.1.1 return code 4, MQTT 5 reason 0x86 [MQTT-3.2.2-5]', async () => {
    const v311 = await pub(b.port, ['-u', 'writer', '-P', 'wrong', '-t', 'sensors/x', '-m', '1']);
    expect(v311.code).toBe(4);
    expect(v311.stderr).toMatch(/bad user name or password/i);
    const v5 = await pub(b.port, ['-V', 'mqttv5', '-u', 'writer', '-P', 'wrong', '-t', 'sensors/x', '-m', '1']);
    expect(v5.code).toBe(0x86);
    expect(v5.stderr).toMatch(/bad user name or password/i);
  });

  it('an unknown user is refused like a wrong password', async () => {
    const result = await pub(b.port, ['-u', 'mallory', '-P', 'w-secret', '-t', 'sensors/x', '-m', '1']);
    expect(result.code).toBe(4);
  });

  it('no credentials are refused when there is a password file: 3.1.1 code 5 "not authorised", MQTT 5 0x87', async () => {
    const v311 = await pub(b.port, ['-t', 'sensors/x', '-m', '1']);
    expect(v311.code).toBe(5);
    expect(v311.stderr).toMatch(/not authori[sz]ed/i);
    const v5 = await sub(b.port, ['-V', 'mqttv5', '-t', 'sensors/#', '-C', '1']);
    expect(v5.code).toBe(0x87);
    expect(v5.stderr).toMatch(/not authori[sz]ed/i);
  });

  it('ACL: the writer publishes to sensors/#, and a reader receives it', async () => {
    const reader = await connect(b.url, { clientId: 'acl-reader', username: 'reader', password: 'r-secret' });
    try {
      const got = collect(reader);
      const [granted] = await reader.subscribeAsync('sensors/#', { qos: 1 });
      expect(granted.qos).toBe(1);
      const result = await pub(b.port, ['-u', 'writer', '-P', 'w-secret', '-q', '1', '-t', 'sensors/temp', '-m', '21.5']);
      expect(result.code, result.stderr).toBe(0);
      const [message] = await got.count(1);
      expect(message).toMatchObject({ topic: 'sensors/temp', payload: '21.5' });
    } finally {
      await end(reader);
    }
  });

  it('ACL: the writer may not read sensors/#: SUBACK 0x80 (3.1.1) / 0x87 (MQTT 5), mosquitto_sub reports the denial', async () => {
    const v311 = await liveSub(b.port, ['-u', 'writer', '-P', 'w-secret', '-q', '1', '-t', 'sensors/#']);
    expect(v311.granted).toEqual([0x80]);
    await v311.child.waitForExit(RUN_MS);
    expect(v311.child.stderr).toMatch(/All subscription requests were denied/);

    const v5 = await liveSub(b.port, ['-V', 'mqttv5', '-u', 'writer', '-P', 'w-secret', '-q', '1', '-t', 'sensors/#']);
    expect(v5.granted).toEqual([0x87]);
    await v5.child.waitForExit(RUN_MS);
    expect(v5.child.stderr).toMatch(/All subscription requests were denied/);
  });

  it('ACL: the reader may not publish to sensors/#: nothing is delivered (3.1.1 has no way to say so)', async () => {
    const reader = await connect(b.url, { clientId: 'acl-reader-2', username: 'reader', password: 'r-secret' });
    try {
      const got = collect(reader);
      await reader.subscribeAsync('sensors/#', { qos: 1 });
      const denied = await pub(b.port, ['-u', 'reader', '-P', 'r-secret', '-q', '1', '-t', 'sensors/forged', '-m', 'no']);
      expect(denied.code, denied.stderr).toBe(0); // 3.1.1: PUBACK anyway, the message is dropped
      // A permitted message sent after it by another client: when it has arrived, the forged one would have too.
      await pub(b.port, ['-u', 'writer', '-P', 'w-secret', '-q', '1', '-t', 'sensors/marker', '-m', 'after']);
      await got.count(1);
      expect(got.messages.map((m) => m.topic)).toEqual(['sensors/marker']);
    } finally {
      await end(reader);
    }
  });
});
