import type { BrokerPersistence } from './persistence.js';
import type { Auth } from './auth.js';

export interface ListenerOptions {
  host: string;
  /** 0 picks a free port; the real one is in the listen() result. */
  port: number;
}

export interface WebSocketListenerOptions extends ListenerOptions {
  path: string;
}

export interface BrokerLimits {
  /** Largest packet accepted (and advertised in the MQTT 5 CONNACK), in bytes. */
  maxPacketSize: number;
  maxConnections: number;
  /** A socket that sends no CONNECT within this time is closed. */
  connectTimeoutMs: number;
  /** Largest keep-alive accepted, in seconds (MQTT 5 clients are told; 3.1.1 clients above it are refused). */
  maxKeepAlive: number;
  /** Outgoing QoS 1/2 messages in flight per client (also capped by the client's receive maximum). */
  maxInflight: number;
  /** Incoming QoS 2 messages awaiting PUBREL per client: our receive maximum. */
  receiveMaximum: number;
  /** QoS 1/2 messages queued per session beyond the in-flight window; more are dropped. */
  maxQueuedMessages: number;
  /** A QoS 0 message to a client whose socket already buffers this much is dropped (slow consumer). */
  maxWriteBufferBytes: number;
  /** Topic aliases a client may set towards us. */
  topicAliasMaximum: number;
}

export interface BrokerOptions {
  /** TCP listener; false for none. */
  tcp?: ListenerOptions | false;
  /** WebSocket listener; false for none. */
  ws?: WebSocketListenerOptions | false;
  limits?: Partial<BrokerLimits>;
  persistence?: BrokerPersistence;
  auth?: Auth;
  /** Seconds between $SYS updates; 0 turns them off. */
  sysInterval?: number;
}

export const defaultLimits: BrokerLimits = {
  maxPacketSize: 64 * 1024 * 1024,
  maxConnections: 100_000,
  connectTimeoutMs: 10_000,
  maxKeepAlive: 65_535,
  maxInflight: 100,
  receiveMaximum: 1000,
  maxQueuedMessages: 1000,
  maxWriteBufferBytes: 4 * 1024 * 1024,
  topicAliasMaximum: 10,
};

export const defaultTcp: ListenerOptions = { host: '127.0.0.1', port: 1883 };
export const defaultWs: WebSocketListenerOptions = { host: '127.0.0.1', port: 8083, path: '/mqtt' };
