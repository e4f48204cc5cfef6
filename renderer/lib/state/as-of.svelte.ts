// The broker's state as of a scrub cursor: the retained store and the sessions, rebuilt by the core from
// the recording. Asked for once the cursor has rested a moment, so playing or dragging does not flood it.
import type { RetainedEntry } from '../../../shared/contract/broker.js';
import { FORMAT_WITH_CHANGES } from '../../../shared/contract/recording-format.js';
import type { RecordingInfo, SessionAt } from '../../../shared/contract/recordings.js';
import type { Workbench } from './workbench.svelte.js';

const REST_MS = 150;

/** Why a recording cannot show the broker's state at a point; null when it can. */
export function stateNotKept(recording: RecordingInfo): string | null {
  if (recording.client !== null) {
    return `This recording was made by the named client ${recording.client} from ${recording.source}: it holds that client's packets, not the broker's state.`;
  }
  if (recording.formatVersion < FORMAT_WITH_CHANGES) {
    return `This recording is in format ${recording.formatVersion}, which kept the broker's state at its start only.`;
  }
  return null;
}

export class StateAsOf {
  /** null while being fetched. */
  retained = $state.raw<RetainedEntry[] | null>(null);
  sessions = $state.raw<SessionAt[] | null>(null);
  /** The session looked at in the Broker tab (kept across tab switches while the recording is open). */
  selected = $state<string | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The last point asked for: an answer for an older one is dropped. */
  private wanted: { id: string; atPacket: number } | null = null;

  constructor(private readonly workbench: Workbench) {}

  /** The cursor of `recording` is now on the packet with id `atPacket` (0: before the first). */
  follow(recording: RecordingInfo, atPacket: number): void {
    if (stateNotKept(recording) !== null) return;
    const { id } = recording;
    if (this.wanted?.id === id && this.wanted.atPacket === atPacket) return;
    const wanted = { id, atPacket };
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
    this.selected = null;
  }
}
