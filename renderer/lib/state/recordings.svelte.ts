// The recordings the core keeps (each one .mqttrec file), kept current by 'recording' events.
import type { RecordingInfo, ReplayStatus } from '../../../shared/contract/recordings.js';
import type { Workbench } from './workbench.svelte.js';

export class RecordingsState {
  /** Newest first. */
  list = $state.raw<RecordingInfo[]>([]);
  /** The last replay's progress (at most one replays at a time). */
  replay = $state.raw<ReplayStatus | null>(null);
  /** The one recording now, if any (at most one records at a time). */
  readonly active = $derived(this.list.find((r) => r.recording) ?? null);

  constructor(private readonly workbench: Workbench) {}

  async refresh(): Promise<void> {
    const list = await this.workbench.call('recording.list', {});
    if (list) this.list = newestFirst(list);
    const status = await this.workbench.call('replay.status', {});
    if (status) this.replay = status.replay;
  }

  upsert(info: RecordingInfo): void {
    const i = this.list.findIndex((r) => r.id === info.id);
    this.list = i < 0 ? newestFirst([...this.list, info]) : this.list.map((r, j) => (j === i ? info : r));
  }

  remove(id: string): void {
    this.list = this.list.filter((r) => r.id !== id);
  }
}

const newestFirst = (list: RecordingInfo[]) => [...list].sort((a, b) => b.startedUs - a.startedUs);
