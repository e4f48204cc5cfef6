// The root of the renderer's state: the API client, and one state class per area, each fed from the
// one event stream. Components read these; they never talk to the transport themselves.
import type { WorkbenchClient } from '../../../shared/contract/client.js';
import type { CommandName, InputOf, OutputOf } from '../../../shared/contract/commands.js';
import { WorkbenchError } from '../../../shared/contract/errors.js';
import type { EventBatch } from '../../../shared/contract/events.js';
import { BrokerState } from './broker.svelte.js';
import { ClientsState } from './clients.svelte.js';
import { RecordingsState } from './recordings.svelte.js';
import { ScrubState } from './scrub.svelte.js';
import { RetainedState } from './retained.svelte.js';
import { TimelineState } from './timeline.svelte.js';
import { TopicsState } from './topics.svelte.js';

export type ConnectionState = 'connecting' | 'connected' | 'lost';
export type ViewId = 'clients' | 'timeline' | 'retained' | 'topics' | 'broker' | 'recordings';

export class Workbench {
  connection = $state<ConnectionState>('connecting');
  lostReason = $state('');
  /** The last failed command, shown in the status bar until the next one succeeds or it is dismissed. */
  error = $state<string | null>(null);
  readonly clients = new ClientsState(this);
  readonly timeline = new TimelineState();
  readonly topics = new TopicsState();
  readonly retained = new RetainedState(this);
  readonly broker = new BrokerState(this);
  readonly recordings = new RecordingsState(this);
  readonly scrub = new ScrubState(this);
  /** The view shown (App's tabs); a recording opened for scrubbing switches to the Timeline. */
  view = $state<ViewId>('clients');
  private api: WorkbenchClient | null = null;

  attach(api: WorkbenchClient): void {
    this.api = api;
    this.connection = 'connected';
    api.onEvents((batch) => this.apply(batch));
    void this.clients.refresh();
    void this.retained.refresh();
    void this.broker.refresh();
    void this.recordings.refresh();
  }

  lost(reason: string): void {
    this.connection = 'lost';
    this.lostReason = reason;
  }

  /** Runs a command; a failure is shown in the status bar and returned as null. */
  async call<C extends CommandName>(cmd: C, input: InputOf<C>): Promise<OutputOf<C> | null> {
    if (!this.api) return null;
    try {
      const result = await this.api.call(cmd, input);
      this.error = null;
      return result;
    } catch (error) {
      this.error = error instanceof WorkbenchError || error instanceof Error ? error.message : String(error);
      return null;
    }
  }

  private apply(batch: EventBatch): void {
    this.timeline.apply(batch);
    const packets = batch.events.flatMap((e) => (e.type === 'packet' ? [e.record] : []));
    this.topics.packets(packets);
    this.clients.packets(packets);
    for (const event of batch.events) {
      switch (event.type) {
        case 'packet': break; // taken above, a batch at a time
        case 'client': this.clients.upsert(event.client); break;
        case 'client-removed': this.clients.remove(event.name); break;
        case 'session': this.broker.upsertSession(event.session); break;
        case 'session-removed': this.broker.removeSession(event.clientId); break;
        case 'retained': this.retained.changed(); break;
        case 'broker': this.broker.status = event.status; break;
        case 'counters': this.broker.counters = event.counters; break;
        case 'recording': this.recordings.upsert(event.recording); break;
        case 'recording-removed': this.recordings.remove(event.id); break;
        case 'replay': this.recordings.replay = event.replay; break;
      }
    }
  }
}
