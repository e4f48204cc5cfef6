// OutgoingInflight: packet ids for outgoing QoS 1/2 messages [MQTT-2.2.1-3] and their resend order [MQTT-4.6.0-1].
import { describe, expect, it } from 'vitest';
import { OutgoingInflight } from '../../main/broker/inflight.js';
import type { StoredDelivery } from '../../main/broker/persistence.js';

let seq = 0;
const delivery = (topic = 't'): StoredDelivery => ({
  message: { topic, payload: Buffer.from('x'), qos: 1, retain: false, publisher: 'p', receivedAt: 0 },
  qos: 1,
  retain: false,
  seq: ++seq,
  state: 'publish-sent',
});

const idsOf = (inflight: OutgoingInflight): number[] => [...inflight.values()].map((d) => d.packetId!);

describe('OutgoingInflight ids', () => {
  it('allocates 1, 2, 3… and writes the id into the delivery', () => {
    const inflight = new OutgoingInflight(10);
    const d1 = delivery();
    expect(inflight.add(d1)).toBe(1);
    expect(d1.packetId).toBe(1);
    expect(inflight.add(delivery())).toBe(2);
    expect(inflight.add(delivery())).toBe(3);
    expect(inflight.size).toBe(3);
  });

  it('does not reuse a freed id at once: it keeps counting up', () => {
    const inflight = new OutgoingInflight(10);
    inflight.add(delivery());
    inflight.add(delivery());
    inflight.remove(1);
    expect(inflight.add(delivery())).toBe(3);
  });

  it('hands out every id from 1 to 65535, never 0, never twice while in flight; then refuses', () => {
    const inflight = new OutgoingInflight(65535);
    const seen = new Set<number>();
    for (let i = 1; i <= 65535; i++) {
      const id = inflight.add(delivery());
      expect(id).toBe(i);
      seen.add(id);
    }
    expect(seen.size).toBe(65535);
    expect(seen.has(0)).toBe(false);
    expect(inflight.size).toBe(65535);
    expect(inflight.full).toBe(true);
    expect(() => inflight.add(delivery())).toThrow(/packet identifier/);
  });

  it('wraps around after 65535, skipping ids still in flight', () => {
    const inflight = new OutgoingInflight(65535);
    for (let i = 1; i <= 65535; i++) inflight.add(delivery());
    // Free a few, leaving 1, 2 and 4 in flight.
    for (const id of [3, 5, 6, 65535]) inflight.remove(id);
    expect(inflight.add(delivery())).toBe(3); // 65535 → 1 (busy) → 2 (busy) → 3
    expect(inflight.add(delivery())).toBe(5); // 4 is busy
    expect(inflight.add(delivery())).toBe(6);
    expect(inflight.add(delivery())).toBe(65535); // the only one left
    expect(() => inflight.add(delivery())).toThrow();
  });

  it('wraps to 1 when 1 is free', () => {
    const inflight = new OutgoingInflight(10);
    for (let i = 1; i <= 65535; i++) {
      inflight.add(delivery());
      inflight.remove(i);
    }
    expect(inflight.size).toBe(0);
    expect(inflight.add(delivery())).toBe(1);
    expect(inflight.add(delivery())).toBe(2);
  });

  it('skips ids restored from a resumed session', () => {
    const inflight = new OutgoingInflight(10);
    inflight.restore({ ...delivery(), packetId: 2 });
    inflight.restore({ ...delivery(), packetId: 5 });
    const ids = [inflight.add(delivery()), inflight.add(delivery()), inflight.add(delivery()), inflight.add(delivery())];
    expect(ids).toEqual([1, 3, 4, 6]);
    expect(new Set(idsOf(inflight)).size).toBe(6);
  });
});

describe('OutgoingInflight window', () => {
  it('is full when it holds window deliveries; the window can change', () => {
    const inflight = new OutgoingInflight(2);
    expect(inflight.full).toBe(false);
    inflight.add(delivery());
    expect(inflight.full).toBe(false);
    inflight.add(delivery());
    expect(inflight.full).toBe(true);
    inflight.window = 3;
    expect(inflight.full).toBe(false);
    inflight.window = 1;
    expect(inflight.full).toBe(true);
    inflight.remove(1);
    inflight.remove(2);
    expect(inflight.full).toBe(false);
  });

  it('a window of 0 is always full', () => {
    expect(new OutgoingInflight(0).full).toBe(true);
  });
});

describe('OutgoingInflight get / remove / restore / clear', () => {
  it('gets and removes by packet id', () => {
    const inflight = new OutgoingInflight(10);
    const a = delivery('a');
    const b = delivery('b');
    inflight.add(a);
    inflight.add(b);
    expect(inflight.get(1)).toBe(a);
    expect(inflight.get(2)).toBe(b);
    expect(inflight.get(3)).toBeUndefined();
    expect(inflight.remove(1)).toBe(a);
    expect(inflight.remove(1)).toBeUndefined();
    expect(inflight.get(1)).toBeUndefined();
    expect(inflight.remove(42)).toBeUndefined();
    expect(inflight.size).toBe(1);
  });

  it('restore keeps the given id and the delivery', () => {
    const inflight = new OutgoingInflight(10);
    const d = { ...delivery(), packetId: 777, state: 'pubrel-sent' as const };
    inflight.restore(d);
    expect(inflight.get(777)).toBe(d);
    expect(inflight.size).toBe(1);
  });

  it('clear forgets everything', () => {
    const inflight = new OutgoingInflight(10);
    inflight.add(delivery());
    inflight.add(delivery());
    inflight.clear();
    expect(inflight.size).toBe(0);
    expect(inflight.get(1)).toBeUndefined();
    expect([...inflight.values()]).toEqual([]);
  });
});

describe('OutgoingInflight values() order', () => {
  it('is insertion order, not id order', () => {
    const inflight = new OutgoingInflight(10);
    inflight.restore({ ...delivery('r9'), packetId: 9 });
    inflight.restore({ ...delivery('r4'), packetId: 4 });
    inflight.add(delivery('n1'));
    inflight.add(delivery('n2'));
    expect(idsOf(inflight)).toEqual([9, 4, 1, 2]);
    expect([...inflight.values()].map((d) => d.message.topic)).toEqual(['r9', 'r4', 'n1', 'n2']);
  });

  it('drops removed ones and appends new ones after a wrap-around', () => {
    const inflight = new OutgoingInflight(65535);
    for (let i = 1; i <= 65535; i++) inflight.add(delivery());
    for (let i = 1; i <= 65532; i++) inflight.remove(i); // 65533, 65534, 65535 stay
    inflight.remove(65534);
    expect(inflight.add(delivery())).toBe(1);
    expect(inflight.add(delivery())).toBe(2);
    expect(idsOf(inflight)).toEqual([65533, 65535, 1, 2]);
  });
});
