// The named clients' public entry: everything outside main/clients/ imports from here.
export { connectOptions, connectUrl, type ConnectTarget, type EmbeddedTarget } from './connect-options.js';
export { describeCode, describeError } from './describe-error.js';
export type { ClientMessage, ClientPacketEvent, NamedClientEvents } from './events.js';
export { NamedClient, type NamedClientDeps } from './named-client.js';
export type { PublishRequest, SubscribeRequest } from './operations.js';
export { MAX_FILE_PAYLOAD, payloadBytes } from './payload.js';
export { memoryProfileStore, type ProfileStoreLike } from './profile-store.js';
export { ClientRegistry, type ClientRegistryEvents, type ClientRegistryOptions } from './registry.js';
