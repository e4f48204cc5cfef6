// The broker ports the desktop app last started with, kept in the data folder: a user who chose another
// port once (Mosquitto has 1883) is not asked again at every start. Plain Node, tested without Electron.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface BrokerPorts {
  tcp: number;
  ws: number;
}

export const DEFAULT_PORTS: Readonly<BrokerPorts> = { tcp: 1883, ws: 8083 };

const isPort = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;

/** The saved ports; the defaults when there is no file, and for any value in it that is not a port. */
export function loadPorts(file: string): BrokerPorts {
  let saved: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null) saved = parsed as Record<string, unknown>;
  } catch {
    // missing or unreadable: the defaults (it is a convenience, never a reason not to start)
  }
  return { tcp: isPort(saved.tcp) ? saved.tcp : DEFAULT_PORTS.tcp, ws: isPort(saved.ws) ? saved.ws : DEFAULT_PORTS.ws };
}

/** Saves the ports (written next to the file and renamed over it: never a half-written file). */
export function savePorts(file: string, ports: BrokerPorts): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, `${JSON.stringify({ tcp: ports.tcp, ws: ports.ws })}\n`);
  renameSync(partial, file);
}
