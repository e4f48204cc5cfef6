// Recordings: a session's traffic (and the broker's state at its start) kept as one .mqttrec file each.
import { z } from 'zod';
import type { SessionInfo, SessionSubscription } from './broker.js';
import { ClientName } from './clients.js';
import { TopicFilter } from './mqtt-values.js';
import { TrafficQuery } from './traffic.js';

/** Ids name files (`<id>.mqttrec`), so they are plain: no dots, no slashes. */
export const RecordingId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a recording id is letters, digits, _ and -');

const RecordingName = z.string().trim().min(1, 'a name is needed').max(200);
const Notes = z.string().max(10_000);

/**
 * A path on the machine that runs the core (this is a local desktop app). Relative paths are refused:
 * relative to what would depend on how the core was started.
 */
export const AbsolutePath = z.string().min(1).refine(
  (path) => path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\'),
  'an absolute path is needed (/… or C:\\…)',
);

export interface RecordingInfo {
  id: string;
  name: string;
  notes: string;
  /** Epoch microseconds. */
  startedUs: number;
  /** null while recording. */
  endedUs: number | null;
  recording: boolean;
  /** 'embedded broker', or the outside broker's URL when a named client recorded. */
  source: string;
  /** The named client whose traffic alone was recorded; null: everything the workbench saw. */
  client: string | null;
  /** What that client subscribed to for the recording, if anything. */
  filter: string | null;
  packets: number;
  /** Bytes on disk. */
  bytes: number;
  formatVersion: number;
  /** The release that wrote it. */
  appVersion: string;
  /** Why it stopped by itself (the disk ran low); null when it was stopped, or still records. */
  stoppedBecause: string | null;
}

/** One retained message as the broker held it when the recording started. */
export interface SnapshotRetained {
  topic: string;
  /** base64, the first `payloadBytes` asked for: compare with payloadSize. */
  payload: string;
  payloadSize: number;
  qos: 0 | 1 | 2;
  properties: Record<string, unknown> | null;
  publisher: string;
  /** Epoch ms. */
  receivedAt: number;
}

export interface SnapshotSession {
  session: SessionInfo;
  subscriptions: SessionSubscription[];
}

/** The broker's retained store and sessions at the start (empty for a recording made by a named client). */
export interface RecordingSnapshot {
  retained: SnapshotRetained[];
  sessions: SnapshotSession[];
}

export const RecordingRef = z.object({ id: RecordingId });

export const RecordingStartInput = z.object({
  name: RecordingName,
  notes: Notes.default(''),
  /** Record only this named client's traffic (e.g. one connected to an outside broker). */
  client: ClientName.optional(),
  /**
   * With `client`: the client subscribes to this filter once the recording runs. A disconnected client
   * is connected first, by the recording, so its CONNECT and CONNACK are in it.
   */
  filter: TopicFilter.optional(),
  /** QoS of that subscription. */
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
}).refine((input) => input.filter === undefined || input.client !== undefined, {
  message: 'a filter needs a client to subscribe with',
  path: ['filter'],
});
export type RecordingStartInput = z.input<typeof RecordingStartInput>;

export const RecordingRenameInput = z.object({ id: RecordingId, name: RecordingName, notes: Notes.optional() });

export const RecordingQuery = TrafficQuery.extend({ id: RecordingId });
export type RecordingQueryInput = z.input<typeof RecordingQuery>;

export const RecordingSnapshotInput = z.object({
  id: RecordingId,
  /** How many payload bytes each retained message carries. */
  payloadBytes: z.number().int().min(0).max(1_048_576).default(4096),
});

export const EXPORT_FORMATS = ['mqttrec', 'jsonl', 'pcapng'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const RecordingExportInput = z.object({
  id: RecordingId,
  path: AbsolutePath,
  /** mqttrec: the recording itself (import it elsewhere); jsonl: one packet per line, payload base64;
   *  pcapng: a capture Wireshark decodes as MQTT. */
  format: z.enum(EXPORT_FORMATS).default('mqttrec'),
  /** pcapng: whose packets (default: the client's for a named client's recording, else the broker's). */
  side: z.enum(['broker', 'client']).optional(),
});
export const RecordingImportInput = z.object({ path: AbsolutePath });

export interface RecordingExportResult {
  path: string;
  bytes: number;
}

/** 0.1–100 times the recorded pace, or 'max': as fast as the broker takes them. */
export const ReplaySpeed = z.union([z.number().min(0.1).max(100), z.literal('max')]);
export type ReplaySpeed = z.infer<typeof ReplaySpeed>;

/**
 * Publishes a recording's messages again through a named client (into the embedded broker, or whatever
 * broker that client is connected to). The messages are what the broker received from every client
 * (or, for a recording made by a named client, what that client received); retransmissions once.
 */
export const ReplayStartInput = z.object({
  id: RecordingId,
  /** The connected named client that publishes them. */
  client: ClientName,
  speed: ReplaySpeed.default(1),
  /** Only the messages these connections published. */
  connections: z.array(z.string()).max(100).optional(),
  /** Only messages on topics matching this filter. */
  topic: TopicFilter.optional(),
  /** Start at this point of the recording (epoch µs); earlier messages are left out. */
  fromUs: z.number().int().optional(),
  /** First publish the retained messages the broker held at that point, retained. */
  retainedFirst: z.boolean().default(false),
});
export type ReplayStartInput = z.input<typeof ReplayStartInput>;

export const ReplayControlInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('pause') }),
  z.object({ action: z.literal('resume') }),
  z.object({ action: z.literal('stop') }),
  z.object({ action: z.literal('speed'), speed: ReplaySpeed }),
]);

export interface ReplayStatus {
  recordingId: string;
  client: string;
  speed: ReplaySpeed;
  state: 'playing' | 'paused' | 'stopped' | 'done';
  /** Recorded messages published so far (retained-first ones are counted apart). */
  published: number;
  retainedPublished: number;
  /** Where in the recording it is (epoch µs); null before the first message. */
  positionUs: number | null;
  /** Why it stopped, when it did not end by itself or by a stop. */
  error?: string;
}

/**
 * A point of a recording: the packet with this id (a record's `id`; 0: the start, before any packet).
 * The broker's state there includes what that packet made the broker do (a retained PUBLISH is stored,
 * a CONNECT has its session); what no packet caused (a socket closed, a timer) shows from the next packet.
 */
const AtPacket = z.number().int().min(0);

/** The retained store as it was at a point of the recording (the start snapshot plus the broker's changes). */
export const RetainedAtInput = z.object({
  id: RecordingId,
  atPacket: AtPacket,
  /** How many payload bytes each entry carries. */
  payloadBytes: z.number().int().min(0).max(1_048_576).default(4096),
});

/** The broker's sessions as they were at a point of the recording. */
export const SessionsAtInput = z.object({ id: RecordingId, atPacket: AtPacket });

/**
 * A session as it was at a point of a recording, as broker.sessions and broker.session show it live.
 * `queued` and `inflight` are as of the session's last change or the last sample (once a second).
 */
export type SessionAt = SnapshotSession;
