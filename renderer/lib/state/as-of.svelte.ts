// The broker's state as of a scrub cursor: the retained store and the sessions, rebuilt by the core from
// the recording. Asked for once the cursor has rested a moment, so playing or dragging does not flood it.
import type { RetainedEntry } from '../../../shared/contract/broker.js';
import type { SessionAt } from '../../../shared/contract/recordings.js';
import type { Workbench } from './workbench.svelte.js';

const REST_MS = 150;

export class StateAsOf {
  /** null while being fetched. */
  retained = $state.raw<RetainedEntry[] | null>(null);
  sessions = $state.raw<SessionAt[] | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The last point asked for: an answer for an older one is dropped. */
  private wanted: { id: string; atUs: number } | null = null;

  constructor(private readonly workbench: Workbench) {}

  /** The cursor of recording `id` is now at `atUs` (epoch µs). */
  follow(id: string, atUs: number): void {
    if (this.wanted?.id === id && this.wanted.atUs === atUs) return;
    const wanted = { id, atUs };
    this.wanted = wanted;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.workbench.call('recording.retainedAt', wanted).then((entries) => {
        if (entries && this.wanted === wanted) this.retained = entries;
      });
      void this.workbench.call('recording.sessionsAt', wanted).then((sessions) => {
        if (sessions && this.wanted === wanted) this.sessions = sessions;
      });
    }, REST_MS);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wanted = null;
    this.retained = null;
    this.sessions = null;
  }
}
