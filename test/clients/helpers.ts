// Shared pieces of the named-client tests: profiles with defaults filled, the embedded target of a
// test broker, and waiting for events.
import type { EventEmitter } from 'node:events';
import type { EmbeddedTarget } from '../../main/clients/index.js';
import { ClientProfileInput, type ClientProfile } from '../../shared/contract/clients.js';
import { withTimeout, type TestBroker } from '../helpers/broker.js';

/** A profile as the contract's schema would hand it over (defaults filled). */
export function profile(name: string, fields: Omit<ClientProfileInput, 'name'> = {}): ClientProfile {
  return ClientProfileInput.parse({ name, connectTimeoutMs: 3000, ...fields });
}

export function embeddedOf(b: TestBroker): EmbeddedTarget {
  return { tcp: { host: '127.0.0.1', port: b.port }, ws: { host: '127.0.0.1', port: b.wsPort, path: '/mqtt' } };
}

/** Resolves with the first event's arguments that satisfy `match`. */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter, event: string, match: (...args: A) => boolean = () => true, ms = 5000,
): Promise<A> {
  return withTimeout(new Promise<A>((resolve) => {
    const listener = (...args: unknown[]) => {
      if (!match(...(args as A))) return;
      emitter.off(event, listener);
      resolve(args as A);
    };
    emitter.on(event, listener);
  }), ms, `event "${event}"`);
}
