// Named client profiles (what a user of Paho or MQTT Explorer sets up) and their live state.
import { z } from 'zod';
import { PayloadInput, PublishProperties, QoS, SubscribeOptions, TopicFilter, TopicName, UserProperties } from './mqtt-values.js';

export const ClientName = z.string().trim().min(1, 'a name is needed').max(64)
  .regex(/^[^\s/]+$/, 'a name has no spaces or slashes');

export const TRANSPORTS = ['tcp', 'tls', 'ws', 'wss'] as const;

export const WillInput = z.object({
  topic: TopicName,
  payload: PayloadInput.default({ format: 'text', data: '' }),
  qos: QoS.default(0),
  retain: z.boolean().default(false),
  /** MQTT 5 will delay interval, seconds. */
  delayInterval: z.number().int().min(0).max(0xffffffff).optional(),
});

export const TlsOptions = z.object({
  caFile: z.string().optional(),
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  /** Accept a certificate that does not chain to a trusted CA (self-signed test brokers). */
  allowSelfSigned: z.boolean().default(false),
});

/**
 * Everything needed to connect. Without `host` the client connects to the embedded broker over the
 * listener of its transport. The password is write-only: profiles read back carry `hasPassword`.
 */
export const ClientProfileInput = z.object({
  name: ClientName,
  /** Defaults to the name. Empty asks the broker to assign one (clean sessions only). */
  clientId: z.string().max(65535).optional(),
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(4),
  transport: z.enum(TRANSPORTS).default('tcp'),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** WebSocket path. */
  path: z.string().startsWith('/').default('/mqtt'),
  cleanStart: z.boolean().default(true),
  keepAlive: z.number().int().min(0).max(65535).default(60),
  username: z.string().optional(),
  password: z.string().optional(),
  will: WillInput.optional(),
  /** MQTT 5, seconds; 0 ends the session with the connection. */
  sessionExpiryInterval: z.number().int().min(0).max(0xffffffff).optional(),
  /** MQTT 5 user properties sent with CONNECT. */
  userProperties: UserProperties.optional(),
  tls: TlsOptions.optional(),
  autoReconnect: z.boolean().default(false),
  reconnectPeriodMs: z.number().int().min(100).max(600_000).default(2000),
  connectTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
});
export type ClientProfileInput = z.input<typeof ClientProfileInput>;
export type ClientProfile = z.output<typeof ClientProfileInput>;

/** A profile as it is shown: never the password. */
export type ClientProfileView = Omit<ClientProfile, 'password'> & { hasPassword: boolean };

export const CLIENT_STATES = ['disconnected', 'connecting', 'connected', 'reconnecting', 'error'] as const;
export type ClientState = (typeof CLIENT_STATES)[number];

export interface ClientSubscription {
  filter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  subscriptionIdentifier?: number;
}

export interface ClientInfo {
  profile: ClientProfileView;
  state: ClientState;
  /** The last connection error or the broker's refusal, readable. */
  lastError?: string;
  /** The client id the broker knows it by (the assigned one when the profile's was empty). */
  connectedClientId?: string;
  /** The broker being talked to: `mqtt://127.0.0.1:1883`. */
  url?: string;
  subscriptions: ClientSubscription[];
  messagesIn: number;
  messagesOut: number;
}

// Command inputs
export const ClientRef = z.object({ name: ClientName });
/**
 * The fields to change, without defaults: a field left out keeps its saved value; null removes it (back
 * to its default, or none; for the password: forget it). The name cannot be removed.
 */
const ClientProfilePatch = z.object(Object.fromEntries(
  Object.entries(ClientProfileInput.shape).map(([key, schema]) => [key, key === 'name' ? schema.optional() : withoutDefault(schema).nullable().optional()]),
) as { [K in keyof typeof ClientProfileInput.shape]: z.ZodOptional<z.ZodNullable<z.ZodType<ClientProfile[K]>>> });
export type ClientProfilePatch = z.output<typeof ClientProfilePatch>;
export const ClientUpdateInput = z.object({ name: ClientName, profile: ClientProfilePatch });
export const ClientCloneInput = z.object({ name: ClientName, newName: ClientName.optional() });

export const PublishInput = z.object({
  name: ClientName,
  topic: z.string(), // checked against the alias rules in the client (empty is allowed with a topic alias)
  payload: PayloadInput.default({ format: 'text', data: '' }),
  qos: QoS.default(0),
  retain: z.boolean().default(false),
  properties: PublishProperties.optional(),
});
export type PublishInput = z.input<typeof PublishInput>;

export const SubscribeInput = z.object({
  name: ClientName,
  filter: TopicFilter,
  qos: QoS.default(0),
  options: SubscribeOptions.default({ noLocal: false, retainAsPublished: false, retainHandling: 0 }),
});
export type SubscribeInput = z.input<typeof SubscribeInput>;

export const UnsubscribeInput = z.object({ name: ClientName, filter: TopicFilter });

export interface PublishResult {
  /** Packet id of a QoS 1/2 publish, resolved once the broker acknowledged it. */
  packetId?: number;
  /** Payload size in bytes. */
  size: number;
  /** MQTT 5 reason code of the PUBACK/PUBREC, when there was one. */
  reasonCode?: number;
}

export interface UnsubscribeResult {
  /** MQTT 5 UNSUBACK reason codes (empty for 3.1.1, which has none). */
  reasonCodes: number[];
}

export interface SubscribeResult {
  /** Granted QoS or failure code (0x80 / MQTT 5 reason code) per filter. */
  granted: number[];
}

function withoutDefault(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodDefault ? (schema.removeDefault() as z.ZodType) : schema;
}
