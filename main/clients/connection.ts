// One mqtt.js instance, from CONNECT to its end: turns its events into ClientStatus changes and
// packet/message events, and settles the operations waiting on it. A new connect gets a new one.
import mqtt, { type IClientOptions, type MqttClient, type MqttClientEventCallbacks } from 'mqtt';
import type { ClientProfile, PublishResult, SubscribeResult, UnsubscribeResult } from '../../shared/contract/clients.js';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { ClientStatus } from './client-status.js';
import { profileClientId } from './connect-options.js';
import { describeCode, describeError } from './describe-error.js';
import type { ClientMessage, ClientPacketEvent } from './events.js';
import * as ops from './operations.js';

/** Where a connection reports to (its NamedClient). */
export interface ConnectionHost {
  readonly name: string;
  readonly status: ClientStatus;
  packet(event: ClientPacketEvent): void;
  message(message: ClientMessage): void;
}

/** How long a clean DISCONNECT may wait for in-flight messages before the socket is closed anyway. */
const DISCONNECT_GRACE_MS = 3000;

export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export class Connection {
  readonly client: MqttClient;
  readonly v5: boolean;
  /** PUBACK/PUBREC reason codes by packet id, until the publish that caused them settles. */
  private readonly ackCodes = new Map<number, number>();
  /** Rejects the operations waiting on this connection when it ends for good. */
  private readonly waiting = new Set<(error: Error) => void>();
  private connecting: { resolve(): void; reject(error: Error): void } | null = null;
  private readonly listeners: Array<[string, (...args: never[]) => void]> = [];
  private readonly address: string;
  private attemptFailed = false;
  /** A CONNACK refusal is final, even with auto-reconnect. */
  private refused = false;
  /** Some failures (a WebSocket upgrade answered with HTTP 4xx) reach only the socket, not mqtt.js's 'error'. */
  private streamError: Error | null = null;
  private ended = false;

  constructor(url: string, options: IClientOptions, private readonly profile: ClientProfile, private readonly host: ConnectionHost) {
    this.client = mqtt.connect(url, { ...options, manualConnect: true });
    this.v5 = profile.protocolVersion === 5;
    this.address = new URL(url).host;
  }

  /** Sends CONNECT; resolves at a successful CONNACK, rejects with a readable 'mqtt-error'. */
  open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.connecting = { resolve, reject };
      this.wire();
      this.client.connect();
      this.watchStream();
    });
  }

  publish(prepared: Awaited<ReturnType<typeof ops.preparePublish>>): Promise<PublishResult> {
    return this.guard(ops.publishPrepared(this.client, prepared, this.ackCodes));
  }

  subscribe(request: ops.SubscribeRequest): Promise<SubscribeResult> {
    return this.guard(ops.subscribe(this.client, this.v5, request));
  }

  unsubscribe(filter: string): Promise<UnsubscribeResult> {
    return this.guard(ops.unsubscribe(this.client, filter));
  }

  /** DISCONNECT when `graceful` (waiting a little for in-flight messages), then closes; stops reconnecting. */
  async end(graceful: boolean): Promise<void> {
    this.ended = true;
    await new Promise<void>((resolve) => {
      const grace = setTimeout(() => {
        this.client.stream?.destroy();
        resolve();
      }, DISCONNECT_GRACE_MS);
      this.client.end(!graceful, {}, () => {
        clearTimeout(grace);
        resolve();
      });
    });
    this.discard();
  }

  /** Ends at once (no DISCONNECT: the broker publishes the will), unwires, fails what waited. */
  discard(): void {
    this.ended = true;
    for (const [event, listener] of this.listeners.splice(0)) this.client.removeListener(event as 'close', listener as () => void);
    this.client.on('error', () => {}); // an ending client may still report; nobody listens any more
    this.client.end(true);
    this.fail(`connecting "${this.host.name}" was cancelled`, 'not-connected');
    this.rejectWaiting();
    this.ackCodes.clear();
  }

  private wire(): void {
    const { status } = this.host;
    const profile = this.profile;
    this.on('packetsend', (packet) => {
      this.host.packet({ direction: 'out', packet, protocolVersion: profile.protocolVersion, time: nowUs() });
      if (packet.cmd === 'publish' && !packet.dup) status.count('out');
    });
    this.on('packetreceive', (packet) => {
      if ((packet.cmd === 'puback' || packet.cmd === 'pubrec') && packet.reasonCode !== undefined && packet.messageId !== undefined) {
        this.ackCodes.set(packet.messageId, packet.reasonCode);
      }
      this.host.packet({ direction: 'in', packet, protocolVersion: profile.protocolVersion, time: nowUs() });
    });
    this.on('connect', (connack) => {
      const asked = profileClientId(profile);
      status.connectedClientId = connack.properties?.assignedClientIdentifier ?? (asked === '' ? undefined : asked);
      // A new mqtt.js instance does not resubscribe: without a resumed session the broker holds nothing.
      // (After an automatic reconnect mqtt.js resubscribes by itself, so the list stays.)
      if (!connack.sessionPresent && this.connecting) status.subscriptions.clear();
      status.lastError = undefined;
      this.attemptFailed = false;
      status.set('connected');
      this.connecting?.resolve();
      this.connecting = null;
    });
    this.on('error', (error) => {
      if (this.attemptFailed) return; // TLS failures arrive twice (from the socket and from mqtt.js)
      this.attemptFailed = true;
      status.lastError = this.describe(error);
      this.refused = status.state !== 'connected' && typeof (error as { code?: unknown }).code === 'number';
      this.fail(status.lastError);
      if (this.refused || !profile.autoReconnect) {
        status.set('error');
        this.client.end(true);
      } else {
        status.changed();
      }
    });
    this.on('disconnect', (packet) => {
      status.lastError = `the broker disconnected: ${describeCode(packet.reasonCode ?? 0, profile.protocolVersion)}`;
      status.changed();
    });
    this.on('reconnect', () => {
      this.attemptFailed = false;
      this.streamError = null;
      queueMicrotask(() => this.watchStream()); // mqtt.js makes the new stream right after this event
      status.set('reconnecting');
    });
    this.on('close', () => this.closed());
    this.on('message', (topic, payload, packet) => {
      status.count('in');
      this.host.message({
        topic, payload, qos: packet.qos, retain: packet.retain, dup: packet.dup,
        ...(packet.messageId !== undefined && packet.qos > 0 ? { packetId: packet.messageId } : {}),
        ...(packet.properties ? { properties: packet.properties } : {}),
        time: nowUs(),
      });
    });
  }

  private closed(): void {
    const { status } = this.host;
    if (this.ended) {
      this.fail(`connecting "${this.host.name}" was cancelled by a disconnect`, 'not-connected');
      return;
    }
    if (!this.attemptFailed && this.streamError) status.lastError = this.describe(this.streamError);
    if (this.connecting) {
      status.lastError ??= `the broker at ${this.address} closed the connection before CONNACK`;
      this.fail(status.lastError);
    }
    if (this.profile.autoReconnect && !this.refused) {
      // QoS 1/2 exchanges carry on after the reconnect: their callers keep waiting.
      if (status.state !== 'error') status.set('reconnecting');
      return;
    }
    this.rejectWaiting();
    if (status.state === 'error') return;
    status.set('error', status.lastError ?? `the broker at ${this.address} closed the connection`);
  }

  private on<E extends keyof MqttClientEventCallbacks>(event: E, listener: MqttClientEventCallbacks[E]): void {
    this.client.on(event, listener);
    this.listeners.push([event, listener as (...args: never[]) => void]);
  }

  private watchStream(): void {
    this.client.stream?.on('error', (error: Error) => {
      this.streamError ??= error;
    });
  }

  private describe(error: Error): string {
    return describeError(error, {
      address: this.address,
      protocolVersion: this.profile.protocolVersion,
      connectTimeoutMs: this.profile.connectTimeoutMs,
      connecting: this.host.status.state !== 'connected',
      tls: this.profile.transport === 'tls' || this.profile.transport === 'wss',
    });
  }

  private fail(message: string, code: 'mqtt-error' | 'not-connected' = 'mqtt-error'): void {
    this.connecting?.reject(new WorkbenchError(code, message));
    this.connecting = null;
  }

  /** Waits for an operation, unless the connection ends for good first. */
  private guard<T>(operation: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      operation.then(resolve, reject).finally(() => this.waiting.delete(reject));
    });
  }

  private rejectWaiting(): void {
    const error = new WorkbenchError('not-connected', `client "${this.host.name}" lost its connection before the broker answered`);
    for (const reject of [...this.waiting]) reject(error);
    this.waiting.clear();
  }
}
