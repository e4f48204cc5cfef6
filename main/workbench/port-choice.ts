// Before the desktop app starts its broker: which of the wanted ports are taken, a free one to offer
// instead, and the words to say it with. Plain Node (real sockets), so it is tested without Electron.
import { createServer } from 'node:net';

export interface WantedPort {
  /** What listens there, for the message: "MQTT over TCP". */
  what: string;
  port: number;
}

export interface PortConflict extends WantedPort {
  /** A free port to offer instead, or null when none was found nearby. */
  suggestion: number | null;
}

const PROBE_TIMEOUT_MS = 2000;
/** Ports after the wanted one tried for a suggestion (1884, 1885, …). */
const SEARCH_SPAN = 50;

/**
 * True when a server could listen on host:port right now. Only "address in use" means false; any other
 * failure (no such address, no permission) is thrown, since another port would not fix it.
 */
export function isPortFree(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    const timer = setTimeout(() => {
      server.close();
      reject(new Error(`checking port ${port} on ${host} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    server.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen({ host, port, exclusive: true }, () => {
      clearTimeout(timer);
      server.close(() => resolve(true));
    });
  });
}

/** The first free port after `port` (skipping `avoid`), or null if none within SEARCH_SPAN. */
export async function nextFreePort(host: string, port: number, avoid: readonly number[] = []): Promise<number | null> {
  for (let candidate = port + 1; candidate <= Math.min(65535, port + SEARCH_SPAN); candidate++) {
    if (avoid.includes(candidate)) continue;
    if (await isPortFree(host, candidate)) return candidate;
  }
  return null;
}

/** The wanted ports that are taken, each with a free one to offer (distinct from the other wanted ports). */
export async function findPortConflicts(host: string, wanted: readonly WantedPort[]): Promise<PortConflict[]> {
  const conflicts: PortConflict[] = [];
  const taken = wanted.map((w) => w.port);
  for (const w of wanted) {
    if (w.port === 0 || await isPortFree(host, w.port)) continue;
    const suggestion = await nextFreePort(host, w.port, taken);
    if (suggestion !== null) taken.push(suggestion);
    conflicts.push({ ...w, suggestion });
  }
  return conflicts;
}

/** What the user reads, e.g. in a dialog: the problem, the likely cause, and what choosing the other port means. */
export function portConflictMessage(host: string, conflict: PortConflict): { title: string; detail: string } {
  const title = `Port ${conflict.port} is already in use`;
  const cause = `Another program on this computer is listening on ${host}:${conflict.port} — often another MQTT broker such as Mosquitto. ` +
    `MQTT Workbench cannot start its ${conflict.what} listener there.`;
  const offer = conflict.suggestion === null
    ? ' No free port was found nearby; stop the other program and try again.'
    : ` It can use port ${conflict.suggestion} instead: devices and clients must then connect to ${host}:${conflict.suggestion}.`;
  return { title, detail: cause + offer };
}
