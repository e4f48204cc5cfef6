// Recording through one named client (the field case): only that client's packets go in, it subscribes
// for the recording and unsubscribes after; the snapshot is empty (this broker's state is not what it saw).
// In a memory-only workbench the files live in a temporary folder that close() removes.
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, end, startBroker, withTimeout, type TestBroker } from '../helpers/broker.js';
import { eventually, startWorkbench, type TestWorkbench } from '../helpers/workbench.js';
import { recordingRecords, rejection } from './recordings-helpers.js';

let outside: TestBroker;
let t: TestWorkbench;
/** A port nothing listens on (a server had it a moment ago). */
let closedPort: number;

beforeAll(async () => {
  outside = await startBroker();
  t = await startWorkbench();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
});
afterAll(async () => {
  await t?.close();
  await outside?.close();
});

describe('recordings: through a named client', () => {
  it('needs the client to exist; one that cannot connect leaves no recording behind', async () => {
    await rejection(t.api.call('recording.start', { name: 'x', client: 'field' }), 'not-found');
    await t.api.call('clients.create', { name: 'nowhere', host: '127.0.0.1', port: closedPort });
    await rejection(t.api.call('recording.start', { name: 'x', client: 'nowhere', filter: '#' }), 'mqtt-error');
    expect(await t.api.call('recording.list', {})).toEqual([]);
    await t.api.call('clients.delete', { name: 'nowhere' });
  });

  it('connects a disconnected client itself, so its CONNECT and CONNACK are the first packets', async () => {
    await t.api.call('clients.create', { name: 'field', host: '127.0.0.1', port: outside.port, protocolVersion: 5 });
    const started = await t.api.call('recording.start', { name: 'from the start', client: 'field', filter: 'nothing/#' });
    expect(started.source).toBe(`mqtt://127.0.0.1:${outside.port}`);
    const stopped = await t.api.call('recording.stop', {});
    expect((await recordingRecords(t.api, stopped.id)).slice(0, 4).map((r) => `${r.direction} ${r.type}`))
      .toEqual(['out connect', 'in connack', 'out subscribe', 'in suback']);
    await t.api.call('recording.delete', { id: stopped.id });
    await t.api.call('clients.disconnect', { name: 'field' });
  });

  it("records only that client's traffic, from its subscription on", async () => {
    await t.api.call('clients.connect', { name: 'field' });
    await t.api.call('clients.create', { name: 'myClient1' }); // on the embedded broker: not recorded
    await t.api.call('clients.connect', { name: 'myClient1' });
    const device = await connect(outside.url, { clientId: 'device' });
    await withTimeout(device.publishAsync('plant/state', 'running', { qos: 1, retain: true }), 3000, 'the retained publish');

    const started = await t.api.call('recording.start', { name: 'plant', client: 'field', filter: 'plant/#', qos: 1 });
    expect(started).toMatchObject({ source: `mqtt://127.0.0.1:${outside.port}`, client: 'field', filter: 'plant/#' });
    expect((await t.api.call('clients.list', {})).find((c) => c.profile.name === 'field')!.subscriptions.map((s) => s.filter)).toEqual(['plant/#']);
    for (let i = 0; i < 5; i++) await withTimeout(device.publishAsync('plant/line1/temp', `${i}`, { qos: 1 }), 3000, 'a publish');
    await t.api.call('clients.publish', { name: 'myClient1', topic: 'plant/elsewhere', payload: { data: 'embedded' } });
    await eventually(async () => (await recordingRecords(t.api, started.id)).filter((r) => r.type === 'publish').length === 6, 'six messages recorded');
    await end(device);
    // It picks the packets by the client's name: the client keeps it while it records.
    expect(await rejection(t.api.call('clients.update', { name: 'field', profile: { name: 'renamed' } }), 'conflict'))
      .toBe('client "field" is recording "plant"; stop the recording before you rename the client');
    expect(await rejection(t.api.call('clients.delete', { name: 'field' }), 'conflict')).toMatch(/before you delete the client/);
    await t.api.call('clients.update', { name: 'field', profile: { keepAlive: 30 } }); // other changes are fine

    const stopped = await t.api.call('recording.stop', {});
    const records = await recordingRecords(t.api, stopped.id);
    expect(records.length).toBe(stopped.packets);
    expect(new Set(records.map((r) => `${r.side} ${r.connection}`))).toEqual(new Set(['client field']));
    expect(records.filter((r) => r.type === 'publish').map((r) => [r.topic, Buffer.from(r.payload!, 'base64').toString(), r.retain]))
      .toEqual([['plant/state', 'running', true], ...[0, 1, 2, 3, 4].map((i) => ['plant/line1/temp', `${i}`, false])]);
    expect(records.slice(0, 2).map((r) => r.type)).toEqual(['subscribe', 'suback']);
    expect(await t.api.call('recording.snapshot', { id: stopped.id })).toEqual({ retained: [], sessions: [] });
    // The subscription was the recording's: undone after it.
    await eventually(async () => (await t.api.call('clients.list', {})).find((c) => c.profile.name === 'field')!.subscriptions.length === 0, 'the unsubscribe');
  });

  it('a memory-only workbench keeps recordings in a temporary folder, removed at close', async () => {
    const other = await startWorkbench();
    const dir = other.workbench.recordingsDir;
    await other.api.call('recording.start', { name: 'short' });
    expect(existsSync(dir)).toBe(true);
    await other.close(); // stops the recording too
    expect(existsSync(dir)).toBe(false);
  });
});
