import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';
import type { Message } from '../../main/broker/message.js';
import type {
  BrokerPersistence,
  PersistedState,
  StoredDelivery,
  StoredSession,
  StoredSubscription,
} from '../../main/broker/persistence.js';

/** What a backend gives the suite for one test. */
export interface PersistenceFixture {
  persistence: BrokerPersistence;
  /** Closes the current store and opens the same storage again; state must survive. */
  reopen?: () => BrokerPersistence;
  /** Reads what is committed through a connection of its own (not the store's). */
  readCommitted?: () => PersistedState;
  /** Closes whatever store is current and removes the storage. */
  cleanup: () => void;
}

export function message(overrides: Partial<Message> = {}): Message {
  return {
    topic: 'plant/line-1/temp',
    payload: Buffer.from('21.5'),
    qos: 1,
    retain: false,
    publisher: 'sensor-1',
    receivedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function delivery(seq: number, overrides: Partial<StoredDelivery> = {}): StoredDelivery {
  return { seq, state: 'queued', message: message({ payload: Buffer.from(`m${seq}`) }), qos: 1, retain: false, ...overrides };
}

export function subscription(filter: string, overrides: Partial<StoredSubscription> = {}): StoredSubscription {
  return { filter, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, ...overrides };
}

/** Every MQTT 5 property a message carries, binary correlation data included. */
export function fullProperties(): NonNullable<Message['properties']> {
  return {
    payloadFormatIndicator: true,
    messageExpiryInterval: 60,
    contentType: 'application/json',
    responseTopic: 'replies/sensor-1',
    correlationData: Buffer.from([0, 1, 2, 254, 255]),
    userProperties: { site: 'north', tags: ['a', 'b'], empty: '' },
  };
}

function session(clientId: string, overrides: Partial<StoredSession> = {}): StoredSession {
  return { clientId, expiryInterval: 3600, disconnectedAt: null, subscriptions: [], deliveries: [], incomingQos2: [], ...overrides };
}

const nextCommit = (p: BrokerPersistence) => new Promise<void>((done) => p.afterCommit(done));

/** One behavioural suite for every BrokerPersistence backend (the aedes-persistence abstract.js idea). */
export function runPersistenceSuite(name: string, open: () => PersistenceFixture): void {
  describe(`BrokerPersistence contract: ${name}`, () => {
    let fixture: PersistenceFixture;
    let p: BrokerPersistence;

    beforeEach(() => {
      fixture = open();
      p = fixture.persistence;
    });
    afterEach(() => fixture.cleanup());

    /** Commits, reopens when the backend can (so every assertion also checks durability), loads. */
    function reload(): PersistedState {
      p.flush();
      if (fixture.reopen) p = fixture.reopen();
      return p.load();
    }

    function needs(ctx: TestContext, what: keyof PersistenceFixture): void {
      if (!fixture[what]) ctx.skip(`backend has no ${what}`);
    }

    it('is durable and starts empty', () => {
      expect(p.durable).toBe(true);
      expect(p.load()).toStrictEqual({ retained: [], sessions: [] });
    });

    it('retained: sets, replaces and deletes by topic', () => {
      p.setRetained(message({ topic: 'a', retain: true }));
      p.setRetained(message({ topic: 'b', retain: true }));
      p.setRetained(message({ topic: 'a', retain: true, payload: Buffer.from('new'), qos: 2, publisher: 'other' }));
      p.deleteRetained('b');
      p.deleteRetained('never-set');
      expect(reload().retained).toStrictEqual([
        message({ topic: 'a', retain: true, payload: Buffer.from('new'), qos: 2, publisher: 'other' }),
      ]);
    });

    it('retained: keeps binary payloads, MQTT 5 properties and expiry; optional fields stay absent', () => {
      const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const full = message({ topic: 'full', retain: true, payload: everyByte, properties: fullProperties(), expiresAt: 1_700_000_060_000 });
      const slice = message({ topic: 'slice/ü/🙂', payload: Buffer.from('hello world').subarray(6), qos: 0 });
      const empty = message({ topic: 'empty', payload: Buffer.alloc(0), properties: {} });
      for (const m of [full, slice, empty]) p.setRetained(m);

      const byTopic = new Map(reload().retained.map((m) => [m.topic, m]));
      expect(byTopic.get('full')).toStrictEqual(full);
      expect(byTopic.get('slice/ü/🙂')).toStrictEqual(message({ topic: 'slice/ü/🙂', payload: Buffer.from('world'), qos: 0 }));
      expect(byTopic.get('empty')).toStrictEqual(empty);
      expect(Buffer.isBuffer(byTopic.get('full')!.payload)).toBe(true);
      expect(Buffer.isBuffer(byTopic.get('full')!.properties!.correlationData)).toBe(true);
      expect(Buffer.isBuffer(byTopic.get('empty')!.payload)).toBe(true);
      expect(Object.keys(byTopic.get('slice/ü/🙂')!)).not.toContain('properties');
      expect(Object.keys(byTopic.get('slice/ü/🙂')!)).not.toContain('expiresAt');
    });

    it('keeps user properties whose names look like encoding markers or prototypes', () => {
      const userProperties = JSON.parse('{"$b64":"AAEC","$$x":"y","__proto__":"p","constructor":["c"]}');
      p.setRetained(message({ topic: 't', properties: { userProperties } }));
      const loaded = reload().retained[0]!.properties!.userProperties!;
      expect(Object.entries(loaded)).toStrictEqual(Object.entries(userProperties));
      expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    });

    it('sessions: keeps a session with its subscriptions, deliveries and incoming QoS 2 ids', () => {
      const subs = [
        subscription('plant/+/temp', { qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2, subscriptionId: 7 }),
        subscription('$share/group/plant/#', { qos: 0, retainHandling: 1 }),
      ];
      const inFlight = delivery(1, { state: 'publish-sent', packetId: 10, qos: 2, retain: true, subscriptionIds: [7, 9],
        message: message({ qos: 2, retain: true, properties: fullProperties(), expiresAt: 1_700_000_060_000 }) });
      p.saveSession('c1', 0xffffffff, null);
      p.saveSession('c2', 60, 1_700_000_000_123);
      for (const s of subs) p.saveSubscription('c1', s);
      p.saveDelivery('c1', inFlight);
      p.saveDelivery('c1', delivery(2));
      p.addIncomingQos2('c1', 5);
      p.addIncomingQos2('c1', 65535);

      const { sessions } = reload();
      const byId = new Map(sessions.map((s) => [s.clientId, s]));
      expect(sessions).toHaveLength(2);
      expect(byId.get('c1')).toStrictEqual(session('c1', {
        expiryInterval: 0xffffffff, subscriptions: subs, deliveries: [inFlight, delivery(2)], incomingQos2: [5, 65535] }));
      expect(byId.get('c2')).toStrictEqual(session('c2', { expiryInterval: 60, disconnectedAt: 1_700_000_000_123 }));
    });

    it('sessions: saving again updates expiry and disconnect time and keeps what the session holds', () => {
      p.saveSession('c1', 60, null);
      p.saveSubscription('c1', subscription('a'));
      p.saveDelivery('c1', delivery(1));
      p.addIncomingQos2('c1', 3);
      p.saveSession('c1', 120, 1_700_000_000_999);
      expect(reload().sessions).toStrictEqual([session('c1', { expiryInterval: 120, disconnectedAt: 1_700_000_000_999,
        subscriptions: [subscription('a')], deliveries: [delivery(1)], incomingQos2: [3] })]);
    });

    it('subscriptions: replaces by filter and deletes', () => {
      p.saveSession('c1', 60, null);
      p.saveSubscription('c1', subscription('a', { subscriptionId: 1 }));
      p.saveSubscription('c1', subscription('b'));
      p.saveSubscription('c1', subscription('a', { qos: 0 }));
      p.deleteSubscription('c1', 'b');
      p.deleteSubscription('c1', 'never');
      expect(reload().sessions[0]!.subscriptions).toStrictEqual([subscription('a', { qos: 0 })]);
    });

    it('deliveries: queued → publish-sent with a packet id → pubrel-sent, then deleted', () => {
      const m = message({ qos: 2, properties: fullProperties() });
      p.saveSession('c1', 60, null);
      p.saveDelivery('c1', { seq: 1, state: 'queued', message: m, qos: 2, retain: false });
      expect(reload().sessions[0]!.deliveries).toStrictEqual([{ seq: 1, state: 'queued', message: m, qos: 2, retain: false }]);

      p.saveDelivery('c1', { seq: 1, state: 'publish-sent', packetId: 42, message: m, qos: 2, retain: false });
      expect(reload().sessions[0]!.deliveries).toStrictEqual([
        { seq: 1, state: 'publish-sent', packetId: 42, message: m, qos: 2, retain: false }]);

      p.saveDelivery('c1', { seq: 1, state: 'pubrel-sent', packetId: 42, message: m, qos: 2, retain: false });
      expect(reload().sessions[0]!.deliveries).toStrictEqual([
        { seq: 1, state: 'pubrel-sent', packetId: 42, message: m, qos: 2, retain: false }]);

      p.deleteDelivery('c1', 1);
      p.deleteDelivery('c1', 99);
      expect(reload().sessions[0]!.deliveries).toStrictEqual([]);
    });

    it('deliveries: load ordered by seq whatever order they were written in', () => {
      const seqs = [5, 1, 2 ** 40, 3, 2, 4];
      p.saveSession('c1', 60, null);
      for (const seq of seqs) p.saveDelivery('c1', delivery(seq));
      expect(reload().sessions[0]!.deliveries.map((d) => d.seq)).toStrictEqual([1, 2, 3, 4, 5, 2 ** 40]);
    });

    it('deleteSession removes its subscriptions, deliveries and QoS 2 ids and nothing else', () => {
      for (const id of ['gone', 'kept']) {
        p.saveSession(id, 60, null);
        p.saveSubscription(id, subscription('a'));
        p.saveDelivery(id, delivery(1));
        p.addIncomingQos2(id, 1);
      }
      p.setRetained(message({ topic: 'r', publisher: 'gone' }));
      p.deleteSession('gone');
      p.deleteSession('never');
      const state = reload();
      expect(state.sessions.map((s) => s.clientId)).toStrictEqual(['kept']);
      expect(state.retained).toHaveLength(1);

      p.saveSession('gone', 60, null); // a new session under the same id starts empty
      expect(reload().sessions.find((s) => s.clientId === 'gone')).toStrictEqual(session('gone', { expiryInterval: 60 }));
    });

    it('incoming QoS 2 ids: adding twice keeps one, deleting removes only that id', () => {
      p.saveSession('c1', 60, null);
      p.addIncomingQos2('c1', 1);
      p.addIncomingQos2('c1', 2);
      p.addIncomingQos2('c1', 1);
      p.deleteIncomingQos2('c1', 2);
      p.deleteIncomingQos2('c1', 9);
      expect(reload().sessions[0]!.incomingQos2).toStrictEqual([1]);
    });

    it('afterCommit runs at once when nothing is pending', () => {
      let called = false;
      p.afterCommit(() => (called = true));
      expect(called).toBe(true);
    });

    it('afterCommit waits for the commit, which happens without an explicit flush, and keeps order', async () => {
      const order: number[] = [];
      p.saveSession('c1', 60, null);
      p.afterCommit(() => order.push(1));
      p.afterCommit(() => order.push(2));
      expect(order).toStrictEqual([]);
      await nextCommit(p);
      expect(order).toStrictEqual([1, 2]);
    });

    it('afterCommit callbacks see the data committed, from another connection', async (ctx) => {
      needs(ctx, 'readCommitted');
      p.saveSession('c1', 60, null);
      p.saveDelivery('c1', delivery(1));
      expect(fixture.readCommitted!().sessions).toStrictEqual([]); // not committed yet
      const seen = await new Promise<PersistedState>((done) => p.afterCommit(() => done(fixture.readCommitted!())));
      expect(seen.sessions).toStrictEqual([session('c1', { expiryInterval: 60, deliveries: [delivery(1)] })]);
    });

    it('flush commits at once and runs the waiting callbacks before it returns', () => {
      let called = false;
      p.setRetained(message({ topic: 'r' }));
      p.afterCommit(() => (called = true));
      p.flush();
      expect(called).toBe(true);
      if (fixture.readCommitted) expect(fixture.readCommitted().retained).toHaveLength(1);
    });

    it('writes made inside an afterCommit callback are committed too', async () => {
      p.saveSession('c1', 60, null);
      await new Promise<void>((done) => p.afterCommit(() => {
        p.saveDelivery('c1', delivery(1));
        p.afterCommit(done);
      }));
      expect(reload().sessions[0]!.deliveries).toStrictEqual([delivery(1)]);
    });

    it('close commits pending writes and runs their callbacks', () => {
      let called = false;
      p.saveSession('c1', 60, null);
      p.afterCommit(() => (called = true));
      p.close();
      expect(called).toBe(true);
      if (fixture.reopen) {
        p = fixture.reopen();
        expect(p.load().sessions.map((s) => s.clientId)).toStrictEqual(['c1']);
      }
    });

    it('10,000 deliveries written in one turn are all committed before afterCommit runs', async () => {
      p.saveSession('c1', 60, null);
      for (let seq = 1; seq <= 10_000; seq++) p.saveDelivery('c1', delivery(seq));
      const seen = await new Promise<PersistedState | undefined>((done) =>
        p.afterCommit(() => done(fixture.readCommitted?.())));
      for (const state of [seen, reload()]) {
        if (!state) continue;
        const { deliveries } = state.sessions[0]!;
        expect(deliveries).toHaveLength(10_000);
        expect(deliveries[0]).toStrictEqual(delivery(1));
        expect(deliveries[9_999]).toStrictEqual(delivery(10_000));
        expect(deliveries.every((d, i) => d.seq === i + 1)).toBe(true);
      }
    });
  });
}
