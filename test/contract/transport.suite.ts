// One suite for every transport of the contract: the same commands and events must behave the same
// over the WebSocket face and over the IPC adapter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchClient } from '../../shared/contract/client.js';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { EventBatch } from '../../shared/contract/events.js';
import { Workbench } from '../../main/workbench/workbench.js';
import { eventually } from '../helpers/workbench.js';

export interface TransportUnderTest {
  client: WorkbenchClient;
  close(): Promise<void>;
}

export function transportSuite(name: string, connect: (core: Workbench) => Promise<TransportUnderTest>): void {
  describe(`transport contract: ${name}`, () => {
    let core: Workbench;
    let t: TransportUnderTest;
    const batches: EventBatch[] = [];

    beforeAll(async () => {
      core = await Workbench.start({
        broker: { tcp: { host: '127.0.0.1', port: 0 }, ws: false, sysInterval: 0 },
        eventCadenceMs: 50,
      });
      t = await connect(core);
      t.client.onEvents((batch) => batches.push(batch));
    });
    afterAll(async () => {
      await t?.close();
      await core?.close();
    });

    it('a command round-trips with its typed result', async () => {
      const created = await t.client.call('clients.create', { name: 'myClient1', keepAlive: 30 });
      expect(created.profile).toMatchObject({ name: 'myClient1', keepAlive: 30, hasPassword: false });
      expect((await t.client.call('clients.list', {})).map((c) => c.profile.name)).toEqual(['myClient1']);
    });

    it('an error arrives as a WorkbenchError with its code and issues', async () => {
      const error = await t.client.call('clients.create', { name: 'has space' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkbenchError);
      expect(error).toMatchObject({ code: 'invalid-input', issues: [{ path: 'name' }] });
    });

    it('concurrent calls get their own answers', async () => {
      const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
      const infos = await Promise.all(names.map((n) => t.client.call('clients.create', { name: n })));
      expect(infos.map((i) => i.profile.name)).toEqual(names);
    });

    it('events arrive as batches', async () => {
      await t.client.call('clients.connect', { name: 'myClient1' });
      await eventually(() => batches.some((b) => b.events.some((e) => e.type === 'packet' && e.record.type === 'connack' && e.record.side === 'client')), 'the CONNACK event');
      const seqs = batches.map((b) => b.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
    });
  });
}
