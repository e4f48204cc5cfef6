// The create/edit form of a client profile: every field of ClientProfileInput as the user types it,
// checked as they type, turned into a full profile (create) or only the changed fields (update).
import type { ClientInfo, ClientProfileInput, ClientProfileView } from '../../../shared/contract/clients.js';
import type { EditFormat } from './payload-codec.js';
import { payloadProblem } from './payload-codec.js';

export type Transport = 'tcp' | 'tls' | 'ws' | 'wss';
export const TRANSPORTS: readonly Transport[] = ['tcp', 'tls', 'ws', 'wss'];
/** The port a client uses with a host and no port (as the core does). */
export const DEFAULT_PORTS: Record<Transport, number> = { tcp: 1883, tls: 8883, ws: 80, wss: 443 };
type Pair = [string, string];
/** A number input's value: empty is undefined (Svelte binds empty number inputs to null or undefined). */
type NumberField = number | null | undefined;

/** The first free name of the myClient1, myClient2, … series. */
export function nextClientName(names: readonly string[]): string {
  const taken = new Set(names);
  let n = 1;
  while (taken.has(`myClient${n}`)) n++;
  return `myClient${n}`;
}

export class ClientFormState {
  name = $state('');
  clientId = $state('');
  /** Send an empty client id: the broker assigns one. */
  assignId = $state(false);
  protocolVersion = $state<4 | 5>(4);
  transport = $state<Transport>('tcp');
  host = $state('');
  port = $state<NumberField>(undefined);
  path = $state('/mqtt');
  cleanStart = $state(true);
  keepAlive = $state<NumberField>(60);
  username = $state('');
  password = $state('');
  forgetPassword = $state(false);
  willOn = $state(false);
  willTopic = $state('');
  willFormat = $state<EditFormat>('text');
  willPayload = $state('');
  willQos = $state<0 | 1 | 2>(0);
  willRetain = $state(false);
  willDelay = $state<NumberField>(undefined);
  sessionExpiry = $state<NumberField>(undefined);
  userProperties = $state<Pair[]>([]);
  caFile = $state('');
  certFile = $state('');
  keyFile = $state('');
  allowSelfSigned = $state(false);
  autoReconnect = $state(false);
  reconnectPeriodMs = $state<NumberField>(2000);
  connectTimeoutMs = $state<NumberField>(10_000);
  /** A problem from the last save, shown in the form. */
  saveError = $state<string | null>(null);

  readonly problems = $derived(this.check());
  readonly valid = $derived(Object.keys(this.problems).length === 0);

  /** `original` is the profile being edited; null for a new client. */
  constructor(readonly original: ClientProfileView | null = null, name = '') {
    this.name = name;
    if (original) this.load(original);
  }

  static forNew(clients: readonly ClientInfo[]): ClientFormState {
    return new ClientFormState(null, nextClientName(clients.map((c) => c.profile.name)));
  }

  get editing(): boolean {
    return this.original !== null;
  }

  get hasPassword(): boolean {
    return this.original?.hasPassword ?? false;
  }

  get secure(): boolean {
    return this.transport === 'tls' || this.transport === 'wss';
  }

  get webSocket(): boolean {
    return this.transport === 'ws' || this.transport === 'wss';
  }

  /** The whole profile, optional fields left out when empty. */
  toInput(): ClientProfileInput {
    const v5 = this.protocolVersion === 5;
    const input: ClientProfileInput = {
      name: this.name.trim(),
      protocolVersion: this.protocolVersion,
      transport: this.transport,
      path: this.path,
      cleanStart: this.cleanStart,
      keepAlive: this.keepAlive ?? 0,
      autoReconnect: this.autoReconnect,
      reconnectPeriodMs: this.reconnectPeriodMs ?? 2000,
      connectTimeoutMs: this.connectTimeoutMs ?? 10_000,
    };
    if (this.assignId) input.clientId = '';
    else if (this.clientId !== '') input.clientId = this.clientId;
    if (this.host.trim() !== '') input.host = this.host.trim();
    if (this.port != null) input.port = this.port;
    if (this.username !== '') input.username = this.username;
    if (this.password !== '') input.password = this.password;
    if (this.willOn) {
      input.will = {
        topic: this.willTopic,
        payload: { format: this.willFormat, data: this.willPayload },
        qos: this.willQos,
        retain: this.willRetain,
        ...(v5 && this.willDelay != null ? { delayInterval: this.willDelay } : {}),
      };
    }
    if (v5 && this.sessionExpiry != null) input.sessionExpiryInterval = this.sessionExpiry;
    if (v5 && this.userProperties.length > 0) input.userProperties = this.userProperties.map(([k, v]) => [k, v] as Pair);
    if (this.caFile || this.certFile || this.keyFile || this.allowSelfSigned) {
      input.tls = {
        ...(this.caFile ? { caFile: this.caFile } : {}),
        ...(this.certFile ? { certFile: this.certFile } : {}),
        ...(this.keyFile ? { keyFile: this.keyFile } : {}),
        allowSelfSigned: this.allowSelfSigned,
      };
    }
    return input;
  }

  /**
   * The fields that differ from the saved profile; `kept` names the fields the user emptied, which
   * an update cannot remove (a field left out keeps its saved value).
   */
  toPatch(): { patch: Partial<ClientProfileInput>; kept: string[] } {
    const original = (this.original ?? {}) as Record<string, unknown>;
    const input = this.toInput() as Record<string, unknown>;
    const patch: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      if (key === 'password') continue;
      if (JSON.stringify(value) !== JSON.stringify(original[key])) patch[key] = value;
    }
    if (this.password !== '') patch.password = this.password;
    else if (this.forgetPassword) patch.password = '';
    // An emptied list of user properties can be sent as an empty list.
    if (Array.isArray(original.userProperties) && original.userProperties.length > 0 && !('userProperties' in input)) {
      patch.userProperties = [];
    }
    const ignored = new Set(['hasPassword', 'password', 'tls', 'userProperties']);
    if (this.protocolVersion === 4) ignored.add('sessionExpiryInterval');
    const kept = Object.keys(original).filter((key) => !ignored.has(key) && original[key] !== undefined && !(key in input));
    return { patch: patch as Partial<ClientProfileInput>, kept };
  }

  private load(p: ClientProfileView): void {
    this.name = p.name;
    this.clientId = p.clientId ?? '';
    this.assignId = p.clientId === '';
    this.protocolVersion = p.protocolVersion;
    this.transport = p.transport;
    this.host = p.host ?? '';
    this.port = p.port;
    this.path = p.path;
    this.cleanStart = p.cleanStart;
    this.keepAlive = p.keepAlive;
    this.username = p.username ?? '';
    this.willOn = p.will !== undefined;
    if (p.will) {
      this.willTopic = p.will.topic;
      this.willFormat = p.will.payload.format === 'file' ? 'text' : p.will.payload.format;
      this.willPayload = p.will.payload.data;
      this.willQos = p.will.qos;
      this.willRetain = p.will.retain;
      this.willDelay = p.will.delayInterval;
    }
    this.sessionExpiry = p.sessionExpiryInterval;
    this.userProperties = (p.userProperties ?? []).map(([k, v]) => [k, v] as Pair);
    this.caFile = p.tls?.caFile ?? '';
    this.certFile = p.tls?.certFile ?? '';
    this.keyFile = p.tls?.keyFile ?? '';
    this.allowSelfSigned = p.tls?.allowSelfSigned ?? false;
    this.autoReconnect = p.autoReconnect;
    this.reconnectPeriodMs = p.reconnectPeriodMs;
    this.connectTimeoutMs = p.connectTimeoutMs;
  }

  private check(): Record<string, string> {
    const problems: Record<string, string> = {};
    const name = this.name.trim();
    if (name === '') problems.name = 'a name is needed';
    else if (name.length > 64) problems.name = 'at most 64 characters';
    else if (!/^[^\s/]+$/.test(name)) problems.name = 'a name has no spaces or slashes';
    if (this.port != null && (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535)) problems.port = 'a port is 1–65535';
    if (this.keepAlive == null || !Number.isInteger(this.keepAlive) || this.keepAlive < 0 || this.keepAlive > 65535) {
      problems.keepAlive = 'seconds, 0–65535 (0: no keep-alive)';
    }
    if (!this.path.startsWith('/')) problems.path = 'a path starts with /';
    if (this.willOn) {
      if (this.willTopic === '') problems.willTopic = 'the will needs a topic';
      else if (/[+#]/.test(this.willTopic)) problems.willTopic = 'a topic has no wildcards (+ or #)';
      const payload = this.willFormat === 'text' ? null : payloadProblem(this.willFormat, this.willPayload);
      if (payload) problems.willPayload = payload;
    }
    const u32 = (n: NumberField) => n != null && (!Number.isInteger(n) || n < 0 || n > 0xffffffff);
    if (u32(this.sessionExpiry)) problems.sessionExpiry = 'seconds, 0–4294967295';
    if (u32(this.willDelay)) problems.willDelay = 'seconds, 0–4294967295';
    const ms = (n: NumberField) => n == null || !Number.isInteger(n) || n < 100 || n > 600_000;
    if (this.autoReconnect && ms(this.reconnectPeriodMs)) problems.reconnectPeriodMs = '100–600000 ms';
    if (ms(this.connectTimeoutMs)) problems.connectTimeoutMs = '100–600000 ms';
    return problems;
  }
}
