import type { Duplex } from 'node:stream';

export interface ListenerAddress {
  protocol: 'tcp' | 'ws';
  host: string;
  port: number;
  /** A URL a client can use, e.g. mqtt://127.0.0.1:1883 or ws://127.0.0.1:8083/mqtt. */
  url: string;
}

export interface Listener {
  readonly address: ListenerAddress;
  /** Stops accepting; open connections are the broker's to end. */
  close(): Promise<void>;
}

export type AcceptSocket = (socket: Duplex, remoteAddress: string) => void;

/** A readable reason a listener could not start. */
/** A sentence for the user; `code` stays the system's (EADDRINUSE…), so callers can act on it. */
export function listenError(error: NodeJS.ErrnoException, what: string, host: string, port: number): NodeJS.ErrnoException {
  const made = (message: string) => Object.assign(new Error(message, { cause: error }), { code: error.code });
  switch (error.code) {
    case 'EADDRINUSE': return made(`${what} port ${port} on ${host} is already in use; choose another port`);
    case 'EACCES': return made(`${what} port ${port} on ${host} needs privileges this user does not have; choose a port above 1023`);
    case 'EADDRNOTAVAIL': return made(`${what} address ${host} is not an address of this machine`);
    default: return made(`${what} listener on ${host}:${port} failed: ${error.message}`);
  }
}

export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
