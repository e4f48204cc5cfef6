// Every command of the contract, implemented over the core's parts. One line each where possible:
// the parts do the work, this table only maps.
import type { CommandName, OutputOf, ParsedInputOf } from '../../shared/contract/commands.js';
import { WorkbenchError } from '../../shared/contract/errors.js';
import {
  brokerStatus, deleteRetainedTree, listRetained, listSessions, sessionDetail, type Broker,
} from '../broker/index.js';
import type { ClientRegistry } from '../clients/index.js';
import type { Recordings } from '../recording/recordings.js';
import type { Replays } from '../recording/replays.js';
import type { TrafficLog } from '../store/traffic-log.js';
import type { RateCounters } from '../tap/counters.js';
import type { Counters } from '../../shared/contract/broker.js';

export interface CoreParts {
  broker: Broker;
  clients: ClientRegistry;
  log: TrafficLog;
  recordings: Recordings;
  replays: Replays;
  counters: RateCounters;
  dataDir: string | null;
  /** The latest counters window (refreshed every second). */
  lastCounters(): Counters;
}

export type Handlers = {
  [C in CommandName]: (core: CoreParts, input: ParsedInputOf<C>) => OutputOf<C> | Promise<OutputOf<C>>;
};

export const handlers: Handlers = {
  'broker.status': (core) => brokerStatus(core.broker, core.dataDir),
  'broker.sessions': (core) => listSessions(core.broker),
  'broker.session': (core, { clientId, limit }) => {
    const session = core.broker.getSession(clientId);
    if (!session) throw new WorkbenchError('not-found', `the broker has no session for client id "${clientId}"`);
    return sessionDetail(session, limit);
  },
  'broker.counters': (core) => core.lastCounters(),
  'retained.list': (core, query) => listRetained(core.broker, query),
  'retained.delete': (core, { topic }) => ({ deleted: core.broker.clearRetained(topic) }),
  'retained.deleteTree': (core, { prefix }) => ({ deleted: deleteRetainedTree(core.broker, prefix) }),
  'clients.list': (core) => core.clients.list(),
  'clients.create': (core, profile) => core.clients.create(profile).info(),
  'clients.update': (core, { name, profile }) => {
    if (profile.name !== undefined && profile.name !== name) core.recordings.assertClientFree(name, 'rename');
    return core.clients.update(name, profile).info();
  },
  'clients.clone': (core, { name, newName }) => core.clients.clone(name, newName).info(),
  'clients.delete': async (core, { name }) => {
    core.recordings.assertClientFree(name, 'delete');
    await core.clients.remove(name);
    return { deleted: true };
  },
  'clients.connect': async (core, { name }) => {
    const client = core.clients.get(name);
    await client.connect();
    return client.info();
  },
  'clients.disconnect': async (core, { name }) => {
    const client = core.clients.get(name);
    await client.disconnect();
    return client.info();
  },
  'clients.publish': (core, input) => core.clients.get(input.name).publish(input),
  'clients.subscribe': (core, input) => core.clients.get(input.name).subscribe(input),
  'clients.unsubscribe': (core, { name, filter }) => core.clients.get(name).unsubscribe(filter),
  'traffic.query': (core, query) => core.log.query(query),
  'traffic.stats': (core) => core.log.stats(),
  'traffic.clear': (core) => ({ cleared: core.log.clear() }),
  'recording.list': (core) => core.recordings.list(),
  'recording.start': (core, input) => core.recordings.start(input),
  'recording.stop': (core) => core.recordings.stop(),
  'recording.rename': (core, { id, name, notes }) => core.recordings.rename(id, name, notes),
  'recording.delete': (core, { id }) => {
    core.recordings.delete(id);
    return { deleted: true };
  },
  'recording.query': (core, { id, ...query }) => core.recordings.query(id, query),
  'recording.snapshot': (core, { id, payloadBytes }) => core.recordings.snapshot(id, payloadBytes),
  'recording.export': (core, { id, path, format, side }) => core.recordings.export(id, path, format, side),
  'recording.import': (core, { path }) => core.recordings.import(path),
  'recording.retainedAt': (core, { id, atPacket, payloadBytes }) => core.recordings.retainedAt(id, atPacket, payloadBytes),
  'recording.sessionsAt': (core, { id, atPacket }) => core.recordings.sessionsAt(id, atPacket),
  'replay.start': (core, input) => core.replays.start(input),
  'replay.control': (core, input) => core.replays.control(input.action, input.action === 'speed' ? input.speed : undefined),
  'replay.status': (core) => ({ replay: core.replays.status() }),
};
