// The contract between the core and its faces (renderer, WebSocket, IPC, tests).
export * from './broker.js';
export * from './client.js';
export * from './clients.js';
export * from './commands.js';
export * from './errors.js';
export * from './events.js';
export * from './mqtt-values.js';
export * from './recordings.js';
export * from './traffic.js';
export * from './remote-client.js';
