// Session, sans I/O: a fake SessionLink stands for the connection and records what would go on the wire.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrokerEventEmitter, type DroppedEvent } from '../../main/broker/events.js';
import type { Delivery, Message, QoS } from '../../main/broker/message.js';
import { defaultLimits, type BrokerLimits } from '../../main/broker/options.js';
import { memoryPersistence, type BrokerPersistence, type StoredDelivery } from '../../main/broker/persistence.js';
import { Session, type SessionLink } from '../../main/broker/session.js';

type Sent =
  | { kind: 'publish'; topic: string; packetId: number; dup: boolean; qos: QoS }
  | { kind: 'pubrel'; packetId: number };

class FakeLink implements SessionLink {
  readonly sent: Sent[] = [];
  /** Topics this "client" refuses (as if too large for its maximum packet size). */
  readonly refuse = new Set<string>();

  sendPublish(delivery: Delivery, packetId: number, dup: boolean): boolean {
    if (this.refuse.has(delivery.message.topic)) return false;
    this.sent.push({ kind: 'publish', topic: delivery.message.topic, packetId, dup, qos: delivery.qos });
    return true;
  }

  sendPubrel(packetId: number): void {
    this.sent.push({ kind: 'pubrel', packetId });
  }

  /** What was sent since the last call, compactly: "P topic#id", "P* topic#id" (dup), "R#id" (PUBREL). */
  take(): string[] {
    const out = this.sent.splice(0).map((s) =>
      s.kind === 'pubrel' ? `R#${s.packetId}` : `P${s.dup ? '*' : ''} ${s.topic}#${s.packetId}`,
    );
    return out;
  }
}

const message = (topic: string, qos: QoS, expiresAt?: number): Message => ({
  topic,
  payload: Buffer.from(topic),
  qos,
  retain: false,
  publisher: 'publisher',
  receivedAt: Date.now(),
  ...(expiresAt !== undefined ? { expiresAt } : {}),
});

const delivery = (topic: string, qos: QoS = 1, expiresAt?: number): Delivery => ({
  message: message(topic, qos, expiresAt),
  qos,
  retain: false,
});

interface Setup {
  session: Session;
  events: BrokerEventEmitter;
  dropped: DroppedEvent[];
}

function setup(limits: Partial<BrokerLimits> = {}, options: { expiry?: number; persistence?: BrokerPersistence } = {}): Setup {
  const events = new BrokerEventEmitter();
  const dropped: DroppedEvent[] = [];
  events.on('messageDropped', (e) => dropped.push(e));
  const session = new Session('client-1', options.expiry ?? 0, {
    persistence: options.persistence ?? memoryPersistence,
    events,
    limits: { ...defaultLimits, maxInflight: 2, maxQueuedMessages: 3, ...limits },
  });
  return { session, events, dropped };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Session QoS 0', () => {
  it('is sent with packet id 0 while attached', () => {
    const { session } = setup();
    const link = new FakeLink();
    session.attach(link, 65535);
    session.deliver(delivery('t0', 0));
    expect(link.sent).toEqual([{ kind: 'publish', topic: 't0', packetId: 0, dup: false, qos: 0 }]);
    expect(session.inflight.size).toBe(0);
    expect(session.queuedCount).toBe(0);
  });

  it('is not queued while detached, and not sent on a later attach', () => {
    const { session, dropped } = setup();
    session.deliver(delivery('t0', 0));
    expect(session.queuedCount).toBe(0);
    const link = new FakeLink();
    session.attach(link, 65535);
    expect(link.sent).toEqual([]);
    expect(dropped).toEqual([]);
  });

  it('does not take a slot in the in-flight window', () => {
    const { session } = setup({ maxInflight: 1 });
    const link = new FakeLink();
    session.attach(link, 65535);
    session.deliver(delivery('q1', 1));
    session.deliver(delivery('q0', 0));
    expect(link.take()).toEqual(['P q1#1', 'P q0#0']);
  });
});

describe('Session QoS 1/2 window and queue', () => {
  it('sends up to the in-flight window, then queues in order', () => {
    const { session } = setup();
    const link = new FakeLink();
    session.attach(link, 65535);
    session.deliver(delivery('m1', 1));
    session.deliver(delivery('m2', 2));
    session.deliver(delivery('m3', 1));
    session.deliver(delivery('m4', 2));
    expect(link.take()).toEqual(['P m1#1', 'P m2#2']);
    expect(session.inflight.size).toBe(2);
    expect(session.queuedCount).toBe(2);
    expect(session.pending().map((d) => [d.message.topic, d.state])).toEqual([
      ['m1', 'publish-sent'],
      ['m2', 'publish-sent'],
      ['m3', 'queued'],
      ['m4', 'queued'],
    ]);
    // seq is strictly increasing in delivery order
    const seqs = session.pending().map((d) => d.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(4);
  });

  it("uses the client's receive maximum when it is below maxInflight [MQTT-3.3.4-9]", () => {
    const { session } = setup({ maxInflight: 5 });
    const link = new FakeLink();
    session.attach(link, 1);
    session.deliver(delivery('m1'));
    session.deliver(delivery('m2'));
    expect(link.take()).toEqual(['P m1#1']);
    expect(session.inflight.window).toBe(1);
  });

  it('queues everything while detached', () => {
    const { session } = setup();
    session.deliver(delivery('m1'));
    session.deliver(delivery('m2'));
    expect(session.inflight.size).toBe(0);
    expect(session.queuedCount).toBe(2);
  });

  it('PUBACK frees the window and sends the next queued message', () => {
    const { session } = setup();
    const link = new FakeLink();
    session.attach(link, 65535);
    for (const t of ['m1', 'm2', 'm3', 'm4']) session.deliver(delivery(t, 1));
    link.take();
    expect(session.acknowledge(1)).toBe(true);
    expect(link.take()).toEqual(['P m3#3']);
    expect(session.acknowledge(1)).toBe(false); // already done
    expect(session.acknowledge(99)).toBe(false); // never sent
    expect(link.take()).toEqual([]);
    expect(session.acknowledge(2)).toBe(true);
    expect(link.take()).toEqual(['P m4#4']);
    expect(session.queuedCount).toBe(0);
  });

  it('QoS 2: PUBREC → PUBREL keeps the slot; PUBCOMP frees it and sends the next [MQTT-4.3.3] [MQTT 5 §4.9]', () => {
    const { session } = setup({ maxInflight: 1 });
    const link = new FakeLink();
    session.attach(link, 65535);
    session.deliver(delivery('m1', 2));
    session.deliver(delivery('m2', 2));
    expect(link.take()).toEqual(['P m1#1']);

    expect(session.received(1, false)).toBe(true);
    expect(link.take()).toEqual(['R#1']);
    expect(session.inflight.get(1)?.state).toBe('pubrel-sent');
    expect(session.queuedCount).toBe(1); // a successful PUBREC does not free the send quota

    // A repeated PUBREC gets the PUBREL again.
    expect(session.received(1, false)).toBe(true);
    expect(link.take()).toEqual(['R#1']);

    expect(session.acknowledge(1)).toBe(true); // PUBCOMP
    expect(link.take()).toEqual(['P m2#2']);
    expect(session.received(1, false)).toBe(false); // unknown now
  });

  it('QoS 2: a PUBREC with a failure reason ends the delivery without PUBREL and frees the slot', () => {
    const { session } = setup({ maxInflight: 1 });
    const link = new FakeLink();
    session.attach(link, 65535);
    session.deliver(delivery('m1', 2));
    session.deliver(delivery('m2', 2));
    link.take();
    expect(session.received(1, true)).toBe(true);
    expect(link.take()).toEqual(['P m2#2']);
    expect(session.inflight.get(1)).toBeUndefined();
    expect(session.received(1, true)).toBe(false);
  });

  it('drops beyond the queue limit with a messageDropped event', () => {
    const { session, dropped } = setup({ maxInflight: 2, maxQueuedMessages: 3 });
    const link = new FakeLink();
    session.attach(link, 65535);
    for (let i = 1; i <= 7; i++) session.deliver(delivery(`m${i}`));
    expect(link.take()).toEqual(['P m1#1', 'P m2#2']);
    expect(session.queuedCount).toBe(3);
    expect(dropped).toEqual([
      { clientId: 'client-1', topic: 'm6', reason: 'queue full' },
      { clientId: 'client-1', topic: 'm7', reason: 'queue full' },
    ]);
    // The dropped ones are gone for good: acknowledging everything sends m3..m5 only.
    session.acknowledge(1);
    session.acknowledge(2);
    session.acknowledge(3);
    session.acknowledge(4);
    session.acknowledge(5);
    expect(link.take()).toEqual(['P m3#3', 'P m4#4', 'P m5#5']);
  });

  it('drops beyond the queue limit while detached too', () => {
    const { session, dropped } = setup({ maxQueuedMessages: 2 });
    for (let i = 1; i <= 3; i++) session.deliver(delivery(`m${i}`));
    expect(session.queuedCount).toBe(2);
    expect(dropped.map((d) => d.topic)).toEqual(['m3']);
  });

  it('force ignores the queue limit (retained messages on subscribe)', () => {
    const { session, dropped } = setup({ maxQueuedMessages: 1 });
    session.deliver(delivery('m1'));
    session.deliver(delivery('r1'), true);
    session.deliver(delivery('r2'), true);
    session.deliver(delivery('m2'));
    expect(session.queuedCount).toBe(3);
    expect(dropped.map((d) => d.topic)).toEqual(['m2']);
    expect(session.pending().map((d) => d.message.topic)).toEqual(['m1', 'r1', 'r2']);
  });
});

describe('Session attach / detach', () => {
  it('resends in-flight messages with DUP and PUBREL for pubrel-sent, in order, then drains the queue [MQTT-4.4.0-1]', () => {
    const { session } = setup({ maxInflight: 3 });
    const first = new FakeLink();
    session.attach(first, 65535);
    session.deliver(delivery('a', 1));
    session.deliver(delivery('b', 2));
    session.deliver(delivery('c', 2));
    session.received(2, false); // b: PUBREL sent
    session.deliver(delivery('d', 1)); // queued (window 3 full)
    expect(first.take()).toEqual(['P a#1', 'P b#2', 'P c#3', 'R#2']);
    session.detach();

    session.deliver(delivery('e', 1)); // queued while offline
    session.deliver(delivery('z', 0)); // QoS 0 while offline: lost

    const second = new FakeLink();
    session.attach(second, 65535);
    expect(second.take()).toEqual(['P* a#1', 'R#2', 'P* c#3']);
    expect(session.queuedCount).toBe(2);

    session.acknowledge(1);
    expect(second.take()).toEqual(['P d#4']);
    session.acknowledge(2); // PUBCOMP for b
    expect(second.take()).toEqual(['P e#5']);
    expect(session.queuedCount).toBe(0);
  });

  it('drains the queue right away when the window has room', () => {
    const { session } = setup({ maxInflight: 3 });
    session.deliver(delivery('m1'));
    session.deliver(delivery('m2'));
    const link = new FakeLink();
    session.attach(link, 65535);
    expect(link.take()).toEqual(['P m1#1', 'P m2#2']);
    expect(session.inflight.size).toBe(2);
  });

  it('does not send on a detached session; PUBREC while detached does not throw', () => {
    const { session } = setup();
    const link = new FakeLink();
    session.attach(link, 65535);
    session.deliver(delivery('m1', 2));
    link.take();
    session.detach();
    expect(session.link).toBeNull();
    expect(session.received(1, false)).toBe(true);
    expect(link.take()).toEqual([]);
    session.deliver(delivery('m2', 1));
    expect(link.take()).toEqual([]);
    expect(session.queuedCount).toBe(1);
  });

  it('resends no more PUBLISHes than the new receive maximum allows, the rest as PUBACKs free the quota [MQTT-3.3.4-9]', () => {
    const { session } = setup({ maxInflight: 5 });
    const first = new FakeLink();
    session.attach(first, 65535);
    session.deliver(delivery('a', 1));
    session.deliver(delivery('b', 1));
    session.deliver(delivery('c', 2));
    session.received(3, false); // c: PUBREL stage, still counts against the quota until PUBCOMP (MQTT 5 §4.9)
    session.detach();
    const second = new FakeLink();
    session.attach(second, 1); // the client now says Receive Maximum = 1
    expect(second.take()).toEqual(['R#3']);
    session.acknowledge(3); // PUBCOMP
    expect(second.take()).toEqual(['P* a#1']);
    session.acknowledge(1);
    expect(second.take()).toEqual(['P* b#2']); // resent with its original packet id [MQTT-4.4.0-1]
  });

  it('takes the new receive maximum on each attach', () => {
    const { session } = setup({ maxInflight: 10 });
    session.attach(new FakeLink(), 3);
    expect(session.inflight.window).toBe(3);
    session.detach();
    session.attach(new FakeLink(), 65535);
    expect(session.inflight.window).toBe(10);
  });

  it('resends restored deliveries (a resumed durable session) in seq order', () => {
    const { session } = setup({ maxInflight: 5 });
    const stored = (seq: number, topic: string, state: StoredDelivery['state'], packetId?: number): StoredDelivery => ({
      ...delivery(topic, 2),
      seq,
      state,
      ...(packetId !== undefined ? { packetId } : {}),
    });
    session.restore(stored(10, 'x', 'publish-sent', 7));
    session.restore(stored(11, 'y', 'pubrel-sent', 8));
    session.restore(stored(12, 'q', 'queued'));
    const link = new FakeLink();
    session.attach(link, 65535);
    expect(link.take()).toEqual(['P* x#7', 'R#8', 'P q#1']);
    // New deliveries continue the seq.
    session.deliver(delivery('n', 1));
    expect(session.pending().at(-1)?.seq).toBe(13);
  });
});

describe('Session expiry of queued messages [MQTT-3.3.2-5]', () => {
  it('drops queued messages that expired before they could be sent', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { session, dropped } = setup({ maxInflight: 1 });
    session.deliver(delivery('soon', 1, 1_000_500));
    session.deliver(delivery('later', 1, 1_010_000));
    session.deliver(delivery('never', 1));
    vi.setSystemTime(1_000_500); // 'soon' expires exactly now
    const link = new FakeLink();
    session.attach(link, 65535);
    expect(link.take()).toEqual(['P later#1']);
    expect(dropped).toEqual([{ clientId: 'client-1', topic: 'soon', reason: 'expired' }]);
    vi.setSystemTime(1_020_000);
    session.acknowledge(1);
    expect(link.take()).toEqual(['P never#2']); // no expiry: still sent
    expect(session.queuedCount).toBe(0);
  });

  it('checks expiry when the queue drains after a PUBACK, not only on attach', () => {
    vi.useFakeTimers({ now: 5_000 });
    const { session, dropped } = setup({ maxInflight: 1 });
    const link = new FakeLink();
    session.attach(link, 65535);
    session.deliver(delivery('m1', 1));
    session.deliver(delivery('m2', 1, 6_000));
    session.deliver(delivery('m3', 1));
    vi.setSystemTime(7_000);
    session.acknowledge(1);
    expect(link.take()).toEqual(['P m1#1', 'P m3#2']);
    expect(dropped.map((d) => [d.topic, d.reason])).toEqual([['m2', 'expired']]);
  });
});

describe('Session when the link refuses a PUBLISH', () => {
  it('does not keep a refused new message in flight', () => {
    const { session } = setup({ maxInflight: 1 });
    const link = new FakeLink();
    link.refuse.add('big');
    session.attach(link, 65535);
    session.deliver(delivery('big', 1));
    expect(session.inflight.size).toBe(0);
    expect(session.queuedCount).toBe(0);
    session.deliver(delivery('ok', 1));
    expect(link.take()).toEqual(['P ok#2']);
    expect(session.inflight.size).toBe(1);
  });

  it('skips a refused queued message while draining and sends the next', () => {
    const { session } = setup({ maxInflight: 1 });
    session.deliver(delivery('big', 1));
    session.deliver(delivery('ok', 1));
    const link = new FakeLink();
    link.refuse.add('big');
    session.attach(link, 65535);
    expect(link.take()).toEqual(['P ok#2']);
    expect(session.pending().map((d) => d.message.topic)).toEqual(['ok']);
  });

  it('drops an in-flight message whose resend is refused on attach', () => {
    const { session } = setup({ maxInflight: 2 });
    const first = new FakeLink();
    session.attach(first, 65535);
    session.deliver(delivery('big', 1));
    session.deliver(delivery('ok', 1));
    session.detach();
    const second = new FakeLink();
    second.refuse.add('big');
    session.attach(second, 65535);
    expect(second.take()).toEqual(['P* ok#2']);
    expect(session.inflight.get(1)).toBeUndefined();
    expect(session.inflight.size).toBe(1);
  });

  it('resends every in-flight message before any queued one, even when one resend is refused [MQTT-4.6.0-1]', () => {
    // m1, m2 in flight; m3 queued. On reconnect m1 is refused (too large for the new connection).
    const { session } = setup({ maxInflight: 2 });
    const first = new FakeLink();
    session.attach(first, 65535);
    session.deliver(delivery('m1', 1));
    session.deliver(delivery('m2', 1));
    session.deliver(delivery('m3', 1));
    session.detach();
    const second = new FakeLink();
    second.refuse.add('m1');
    session.attach(second, 65535);
    // m2 was sent before m3 the first time; the client must see it (again) before m3.
    expect(second.take()).toEqual(['P* m2#2', 'P m3#3']);
  });
});

describe('Session durable write-through', () => {
  function recordingPersistence() {
    const log: string[] = [];
    const persistence: BrokerPersistence = {
      ...memoryPersistence,
      durable: true,
      saveDelivery: (clientId, d) => log.push(`save ${clientId} ${d.seq} ${d.state}${d.packetId ? `#${d.packetId}` : ''}`),
      deleteDelivery: (clientId, seq) => log.push(`delete ${clientId} ${seq}`),
    };
    return { persistence, log };
  }

  it('writes a persistent session’s deliveries through their states', () => {
    const { persistence, log } = recordingPersistence();
    const { session } = setup({ maxInflight: 1 }, { expiry: 60, persistence });
    session.deliver(delivery('m1', 2)); // detached: queued
    const link = new FakeLink();
    session.attach(link, 65535);
    session.received(1, false);
    session.acknowledge(1);
    expect(log).toEqual(['save client-1 1 queued', 'save client-1 1 publish-sent#1', 'save client-1 1 pubrel-sent#1', 'delete client-1 1']);
  });

  it('writes nothing for a session that ends with its connection', () => {
    const { persistence, log } = recordingPersistence();
    const { session } = setup({}, { expiry: 0, persistence });
    session.deliver(delivery('m1', 1));
    session.attach(new FakeLink(), 65535);
    session.acknowledge(1);
    expect(log).toEqual([]);
  });
});
