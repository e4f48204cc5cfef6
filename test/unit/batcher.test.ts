import { afterEach, describe, expect, it } from 'vitest';
import type { EventBatch, WorkbenchEvent } from '../../shared/contract/events.js';
import { EventBatcher } from '../../main/tap/batcher.js';

const packet = (id: number): WorkbenchEvent => ({
  type: 'packet',
  record: { id, timeUs: id, side: 'broker', direction: 'in', connection: 'c', type: 'publish', topic: 't', qos: 0, retain: false, dup: false, packetId: null, reasonCode: null, fields: {}, payload: null, payloadSize: 0, head: null, willOf: null },
});

let batcher: EventBatcher;
afterEach(() => batcher?.stop());

describe('EventBatcher', () => {
  it('keeps nothing while nobody listens', () => {
    batcher = new EventBatcher();
    batcher.push(packet(1));
    expect(batcher.wantsPackets).toBe(false);
    const got: EventBatch[] = [];
    batcher.subscribe((b) => got.push(b));
    batcher.flush();
    expect(got).toEqual([]);
  });

  it('caps packet events per batch and counts the rest', () => {
    batcher = new EventBatcher({ maxPackets: 3 });
    const got: EventBatch[] = [];
    batcher.subscribe((b) => got.push(b));
    for (let i = 1; i <= 5; i++) {
      if (batcher.wantsPackets) batcher.push(packet(i));
      else batcher.countDropped();
    }
    batcher.flush();
    expect(got).toHaveLength(1);
    expect(got[0]!.events.map((e) => (e.type === 'packet' ? e.record.id : 0))).toEqual([1, 2, 3]);
    expect(got[0]!.droppedPackets).toBe(2);
    expect(batcher.wantsPackets).toBe(true); // a new batch has room again
  });

  it('coalesces state events: the latest state of each thing, in order of last change', () => {
    batcher = new EventBatcher();
    const got: EventBatch[] = [];
    batcher.subscribe((b) => got.push(b));
    batcher.push({ type: 'retained', topic: 'a', change: 'set' });
    batcher.push({ type: 'retained', topic: 'b', change: 'set' });
    batcher.push({ type: 'retained', topic: 'a', change: 'cleared' });
    batcher.push({ type: 'session-removed', clientId: 'x' });
    batcher.flush();
    expect(got[0]!.events).toEqual([
      { type: 'retained', topic: 'b', change: 'set' },
      { type: 'retained', topic: 'a', change: 'cleared' },
      { type: 'session-removed', clientId: 'x' },
    ]);
  });

  it('sends at its cadence, numbered', async () => {
    batcher = new EventBatcher({ cadenceMs: 20 });
    const got: EventBatch[] = [];
    batcher.subscribe((b) => got.push(b));
    batcher.push(packet(1));
    await new Promise((r) => setTimeout(r, 60));
    batcher.push(packet(2));
    await new Promise((r) => setTimeout(r, 60));
    expect(got.map((b) => b.seq)).toEqual([1, 2]);
  });

  it('stops its timer when the last listener leaves', () => {
    batcher = new EventBatcher();
    const off = batcher.subscribe(() => undefined);
    off();
    expect(batcher.listening).toBe(false);
  });
});
