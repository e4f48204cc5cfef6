// The API: one table of commands, each with its input schema and output type. Both faces serve it,
// the contract tests enumerate it, and every input is validated against its schema at the boundary.
import { z } from 'zod';
import {
  RetainedDeleteInput, RetainedDeleteTreeInput, RetainedQuery, SessionRef,
  type BrokerStatus, type Counters, type RetainedEntry, type RetainedPage, type SessionDetail, type SessionInfo,
} from './broker.js';
import {
  ClientCloneInput, ClientProfileInput, ClientRef, ClientUpdateInput, PublishInput, SubscribeInput, UnsubscribeInput,
  type ClientInfo, type PublishResult, type SubscribeResult, type UnsubscribeResult,
} from './clients.js';
import {
  RecordingExportInput, RecordingImportInput, RecordingQuery, RecordingRef, RecordingRenameInput, RecordingSnapshotInput,
  RecordingStartInput, ReplayControlInput, ReplayStartInput, RetainedAtInput, SessionsAtInput,
  type RecordingExportResult, type RecordingInfo, type SessionAt, type RecordingSnapshot, type ReplayStatus,
} from './recordings.js';
import { TrafficQuery, type TrafficPage, type TrafficStats } from './traffic.js';

const Empty = z.object({}).strict().default({});

/** A command: its input schema, and its output type carried as a phantom for the type checker. */
interface Command<I extends z.ZodType, O> {
  input: I;
  output?: O;
}
const command = <O>() => <I extends z.ZodType>(input: I): Command<I, O> => ({ input });

export const commands = {
  'broker.status': command<BrokerStatus>()(Empty),
  'broker.sessions': command<SessionInfo[]>()(Empty),
  'broker.session': command<SessionDetail>()(SessionRef),
  'broker.counters': command<Counters>()(Empty),
  'retained.list': command<RetainedPage>()(RetainedQuery),
  'retained.delete': command<{ deleted: boolean }>()(RetainedDeleteInput),
  'retained.deleteTree': command<{ deleted: number }>()(RetainedDeleteTreeInput),
  'clients.list': command<ClientInfo[]>()(Empty),
  'clients.create': command<ClientInfo>()(ClientProfileInput),
  'clients.update': command<ClientInfo>()(ClientUpdateInput),
  'clients.clone': command<ClientInfo>()(ClientCloneInput),
  'clients.delete': command<{ deleted: true }>()(ClientRef),
  'clients.connect': command<ClientInfo>()(ClientRef),
  'clients.disconnect': command<ClientInfo>()(ClientRef),
  'clients.publish': command<PublishResult>()(PublishInput),
  'clients.subscribe': command<SubscribeResult>()(SubscribeInput),
  'clients.unsubscribe': command<UnsubscribeResult>()(UnsubscribeInput),
  'traffic.query': command<TrafficPage>()(TrafficQuery),
  'traffic.stats': command<TrafficStats>()(Empty),
  'traffic.clear': command<{ cleared: number }>()(Empty),
  'recording.list': command<RecordingInfo[]>()(Empty),
  'recording.start': command<RecordingInfo>()(RecordingStartInput),
  'recording.stop': command<RecordingInfo>()(Empty),
  'recording.rename': command<RecordingInfo>()(RecordingRenameInput),
  'recording.delete': command<{ deleted: true }>()(RecordingRef),
  'recording.query': command<TrafficPage>()(RecordingQuery),
  'recording.snapshot': command<RecordingSnapshot>()(RecordingSnapshotInput),
  'recording.export': command<RecordingExportResult>()(RecordingExportInput),
  'recording.import': command<RecordingInfo>()(RecordingImportInput),
  'recording.retainedAt': command<RetainedEntry[]>()(RetainedAtInput),
  'recording.sessionsAt': command<SessionAt[]>()(SessionsAtInput),
  'replay.start': command<ReplayStatus>()(ReplayStartInput),
  'replay.control': command<ReplayStatus>()(ReplayControlInput),
  'replay.status': command<{ replay: ReplayStatus | null }>()(Empty),
} as const;

export type CommandName = keyof typeof commands;
export type InputOf<C extends CommandName> = z.input<(typeof commands)[C]['input']>;
/** The input after validation: defaults filled in. */
export type ParsedInputOf<C extends CommandName> = z.output<(typeof commands)[C]['input']>;
export type OutputOf<C extends CommandName> = NonNullable<(typeof commands)[C]['output']>;

export const COMMAND_NAMES = Object.keys(commands) as CommandName[];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commands, name);
}
