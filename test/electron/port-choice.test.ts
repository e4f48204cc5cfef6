// The port-in-use fallback of the desktop app, with real sockets on 127.0.0.1 (ports from the OS only).
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findPortConflicts, isPortFree, nextFreePort, portConflictMessage } from '../../main/workbench/port-choice.js';

const HOST = '127.0.0.1';
const servers: Server[] = [];

/** A listening server on a port the OS picked: the "other broker" that holds the port. */
function occupy(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    const timer = setTimeout(() => reject(new Error('listen timed out')), 5000);
    server.once('error', (e) => { clearTimeout(timer); reject(e); });
    server.listen({ host: HOST, port }, () => {
      clearTimeout(timer);
      servers.push(server);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** A port that was free a moment ago (bound by the OS, then released). */
async function freedPort(): Promise<number> {
  const port = await occupy();
  await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
  return port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('port choice', () => {
  it('sees a taken port as taken and a released one as free', async () => {
    const taken = await occupy();
    expect(await isPortFree(HOST, taken)).toBe(false);
    const free = await freedPort();
    expect(await isPortFree(HOST, free)).toBe(true);
  });

  it('leaves the port usable after probing it', async () => {
    const port = await freedPort();
    expect(await isPortFree(HOST, port)).toBe(true);
    expect(await occupy(port)).toBe(port);
  });

  it('throws for failures another port would not fix (an address not on this machine)', async () => {
    await expect(isPortFree('192.0.2.1', await freedPort())).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('offers the next free port after a taken one, skipping taken ones and ones to avoid', async () => {
    // Find two consecutive ports we can hold (retry: the OS may have handed the neighbour out meanwhile).
    for (let attempt = 0; ; attempt++) {
      if (attempt > 20) throw new Error('found no two consecutive free ports');
      const first = await occupy();
      if (first >= 65530) continue;
      try {
        await occupy(first + 1);
      } catch {
        continue;
      }
      const suggestion = await nextFreePort(HOST, first, [first + 2]);
      expect(suggestion).not.toBeNull();
      expect(suggestion!).toBeGreaterThan(first + 2);
      expect(await isPortFree(HOST, suggestion!)).toBe(true);
      return;
    }
  });

  it('reports only the taken ports among the wanted ones, each with a distinct free suggestion', async () => {
    const tcp = await occupy();
    const ws = await occupy();
    const free = await freedPort();
    const conflicts = await findPortConflicts(HOST, [
      { what: 'MQTT over TCP', port: tcp },
      { what: 'the UI', port: free },
      { what: 'MQTT over WebSocket', port: ws },
      { what: 'picked by the OS', port: 0 },
    ]);
    expect(conflicts.map((c) => [c.what, c.port])).toEqual([['MQTT over TCP', tcp], ['MQTT over WebSocket', ws]]);
    const suggestions = conflicts.map((c) => c.suggestion);
    expect(suggestions.every((s) => s !== null && s !== tcp && s !== ws && s !== free)).toBe(true);
    expect(new Set(suggestions).size).toBe(2);
  });

  it('says what is wrong, the likely cause, and what the other port means', () => {
    const { title, detail } = portConflictMessage(HOST, { what: 'MQTT over TCP', port: 1883, suggestion: 1884 });
    expect(title).toBe('Port 1883 is already in use');
    expect(detail).toContain('127.0.0.1:1883');
    expect(detail).toMatch(/Mosquitto/);
    expect(detail).toContain('port 1884 instead');
    expect(detail).toContain('connect to 127.0.0.1:1884');
    const none = portConflictMessage(HOST, { what: 'MQTT over TCP', port: 1883, suggestion: null });
    expect(none.detail).toMatch(/No free port was found nearby/);
  });
});
