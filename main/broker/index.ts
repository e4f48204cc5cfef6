// The broker's public entry: everything outside main/broker/ imports from here.
import { Broker } from './broker.js';
import type { BrokerOptions } from './options.js';

export function createBroker(options: BrokerOptions = {}): Broker {
  return new Broker(options);
}

export type { Broker } from './broker.js';
export { createAuth, type Auth, type AnonymousPolicy, type AuthOptions } from './auth.js';
export { AclFile } from './auth/acl.js';
export { PasswordFile } from './auth/password-file.js';
export type { BrokerEvents } from './events.js';
export type { ListenerAddress } from './listeners/listener.js';
export type { Message, QoS } from './message.js';
export { defaultLimits, type BrokerLimits, type BrokerOptions } from './options.js';
export { memoryPersistence, type BrokerPersistence } from './persistence.js';
export { brokerStatus, deleteRetainedTree, jsonSafe, listRetained, listSessions, payloadPreview, sessionDetail, sessionInfo, sessionSubscriptions } from './inspect.js';
export type { PacketEvent } from './events.js';
