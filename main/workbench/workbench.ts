// The facade: starts the core (broker, named clients, store, tap) and serves the contract — commands
// validated at the boundary, events batched — to whichever face holds it.
import { join } from 'node:path';
import type { Counters } from '../../shared/contract/broker.js';
import type { WorkbenchClient } from '../../shared/contract/client.js';
import type { CommandName, InputOf, OutputOf } from '../../shared/contract/commands.js';
import type { EventBatch } from '../../shared/contract/events.js';
import { brokerStatus, createBroker, sessionInfo, type Broker, type BrokerOptions } from '../broker/index.js';
import { ClientRegistry } from '../clients/index.js';
import { Recordings } from '../recording/recordings.js';
import { Replays } from '../recording/replays.js';
import { SqliteBrokerPersistence } from '../store/broker-persistence.js';
import type { OpenOptions, SqliteDatabase } from '../store/db.js';
import { ProfileStore } from '../store/profiles.js';
import { fileKeyProvider, memoryKeyProvider, type KeyProvider } from '../store/secrets.js';
import { TrafficLog, type TrafficLogOptions } from '../store/traffic-log.js';
import { openWorkbenchDatabase } from '../store/workbench-db.js';
import { EventBatcher } from '../tap/batcher.js';
import { RateCounters } from '../tap/counters.js';
import { TrafficTap } from '../tap/traffic-tap.js';
import { handlers, type CoreParts } from './handlers.js';
import { asWorkbenchError, parseCommand } from './validate.js';

export interface WorkbenchOptions {
  /** Listeners, limits, auth of the embedded broker (its persistence comes from dataDir). */
  broker?: Omit<BrokerOptions, 'persistence'>;
  /** broker.db, workbench.db and secret.key live here; null keeps everything in memory. */
  dataDir?: string | null;
  /** What to do with a corrupt database file (see store/db.ts). */
  onCorrupt?: OpenOptions['onCorrupt'];
  onMovedAside?: OpenOptions['onMovedAside'];
  /** Where the key that encrypts saved passwords comes from (the Electron face passes safeStorage's). */
  keyProvider?: KeyProvider;
  trafficLog?: TrafficLogOptions;
  /** Milliseconds between event batches. */
  eventCadenceMs?: number;
  /** Told when the store fails in the background (e.g. disk full); the default logs to stderr. */
  onStoreError?: (error: Error) => void;
  /** A recording is refused, or stopped, when less than this is free on its disk (default 256 MiB). */
  recordingMinFreeBytes?: number;
}

const COUNTERS_WINDOW_MS = 1000;

export class Workbench implements WorkbenchClient {
  readonly broker: Broker;
  readonly keyProvider: KeyProvider;
  private readonly db: SqliteDatabase;
  private readonly parts: CoreParts;
  private readonly batcher: EventBatcher;
  private readonly tap: TrafficTap;
  private readonly ticker: NodeJS.Timeout;
  private counters: Counters;
  private closed = false;

  /** Opens the stores, starts the broker's listeners; rejects (with nothing left open) if any of it fails. */
  static async start(options: WorkbenchOptions = {}): Promise<Workbench> {
    const workbench = new Workbench(options);
    try {
      await workbench.broker.listen();
    } catch (error) {
      await workbench.close();
      throw error;
    }
    return workbench;
  }

  private constructor(options: WorkbenchOptions) {
    const dataDir = options.dataDir ?? null;
    const onStoreError = options.onStoreError ?? ((error: Error) => console.error(`mqtt-workbench: ${error.message}`));
    const open: OpenOptions = {
      ...(options.onCorrupt ? { onCorrupt: options.onCorrupt } : {}),
      ...(options.onMovedAside ? { onMovedAside: options.onMovedAside } : {}),
    };
    this.db = openWorkbenchDatabase(dataDir ? join(dataDir, 'workbench.db') : ':memory:', open);
    try {
      const persistence = dataDir
        ? SqliteBrokerPersistence.open(join(dataDir, 'broker.db'), { ...open, onError: onStoreError })
        : undefined;
      this.broker = createBroker({ ...options.broker, ...(persistence ? { persistence } : {}) });
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.keyProvider = options.keyProvider ?? (dataDir ? fileKeyProvider(join(dataDir, 'secret.key')) : memoryKeyProvider());
    const log = new TrafficLog(this.db, { ...options.trafficLog, onError: onStoreError });
    const clients = new ClientRegistry({
      store: new ProfileStore(this.db, this.keyProvider),
      embedded: () => embeddedTarget(this.broker),
    });
    const counters = new RateCounters();
    this.counters = counters.snapshot();
    this.batcher = new EventBatcher({ cadenceMs: options.eventCadenceMs ?? 100 });
    this.tap = new TrafficTap(log, this.batcher, counters);
    // In memory, recordings still go to files (a temporary folder): a long one would not fit in RAM,
    // and export/import work on files either way.
    const recordings = new Recordings({
      dir: dataDir ? join(dataDir, 'recordings') : null,
      broker: this.broker,
      clients,
      addSink: (sink) => this.tap.addSink(sink),
      onError: onStoreError,
      ...(options.recordingMinFreeBytes !== undefined ? { minFreeBytes: options.recordingMinFreeBytes } : {}),
    });
    const replays = new Replays(recordings, clients);
    this.parts = { broker: this.broker, clients, log, recordings, replays, counters, dataDir, lastCounters: () => this.counters };
    this.tap.attachBroker(this.broker.events);
    this.wireEvents();
    this.ticker = setInterval(() => this.tick(), COUNTERS_WINDOW_MS);
    this.ticker.unref();
  }

  async call<C extends CommandName>(cmd: C, input: InputOf<C>): Promise<OutputOf<C>> {
    try {
      const parsed = parseCommand(cmd, input);
      const handler = handlers[parsed.cmd] as (core: CoreParts, input: unknown) => unknown;
      return (await handler(this.parts, parsed.input)) as OutputOf<C>;
    } catch (error) {
      throw asWorkbenchError(error);
    }
  }

  /** Where the recordings' files are (a temporary folder, removed at close, when dataDir is null). */
  get recordingsDir(): string {
    return this.parts.recordings.dir;
  }

  onEvents(listener: (batch: EventBatch) => void): () => void {
    return this.batcher.subscribe(listener);
  }

  /** Disconnects the named clients, stops the broker, flushes and closes the stores. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    this.batcher.stop();
    await this.parts?.replays.close();
    await this.parts?.clients.closeAll();
    await this.broker?.close();
    this.tap?.detach();
    this.parts?.log.close();
    await this.parts?.recordings.close();
    this.db.close();
  }

  private tick(): void {
    this.counters = this.parts.counters.snapshot();
    if (!this.batcher.listening) return;
    this.batcher.push({ type: 'counters', counters: this.counters });
    this.batcher.push({ type: 'broker', status: brokerStatus(this.broker, this.parts.dataDir) });
    const recording = this.parts.recordings.activeInfo();
    if (recording) this.batcher.push({ type: 'recording', recording });
  }

  private wireEvents(): void {
    const { broker, clients } = this.parts;
    const pushSession = (clientId: string) => {
      if (!this.batcher.listening) return;
      const session = broker.getSession(clientId);
      this.batcher.push(session ? { type: 'session', session: sessionInfo(session) } : { type: 'session-removed', clientId });
    };
    broker.events.on('sessionChanged', (e) => pushSession(e.clientId));
    broker.events.on('clientConnected', (e) => pushSession(e.clientId));
    broker.events.on('clientDisconnected', (e) => pushSession(e.clientId));
    broker.events.on('subscriptionChanged', (e) => pushSession(e.clientId));
    broker.events.on('retainedChanged', (e) => this.batcher.push({ type: 'retained', topic: e.topic, change: e.change }));
    clients.on('packet', (name, e) => this.tap.clientPacket(name, e.direction, e.packet, e.protocolVersion, e.time));
    clients.on('changed', (client) => this.batcher.push({ type: 'client', client }));
    clients.on('removed', (name) => this.batcher.push({ type: 'client-removed', name }));
    this.parts.recordings.on('changed', (recording) => this.batcher.push({ type: 'recording', recording }));
    this.parts.recordings.on('removed', (id) => this.batcher.push({ type: 'recording-removed', id }));
    this.parts.replays.on('progress', (replay) => this.batcher.push({ type: 'replay', replay }));
  }
}

/** Where named clients find the embedded broker (a wildcard listen address is reached over loopback). */
function embeddedTarget(broker: Broker) {
  const tcp = broker.addresses.find((a) => a.protocol === 'tcp');
  const ws = broker.addresses.find((a) => a.protocol === 'ws');
  const reachable = (host: string) => (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host);
  return {
    ...(tcp ? { tcp: { host: reachable(tcp.host), port: tcp.port } } : {}),
    ...(ws ? { ws: { host: reachable(ws.host), port: ws.port, path: new URL(ws.url).pathname } } : {}),
  };
}
