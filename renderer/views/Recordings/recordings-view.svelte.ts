// What the Recordings tab holds besides workbench.recordings: the form for a new recording, the one
// selected and its edits, export/import paths, a pending delete.
import type { ExportFormat, RecordingInfo, ReplaySpeed } from '../../../shared/contract/recordings.js';
import type { InputOf } from '../../../shared/contract/commands.js';
import { perWorkbench } from '../../lib/state/per-workbench.svelte.js';
import type { Workbench } from '../../lib/state/workbench.svelte.js';

export const REPLAY_SPEEDS: readonly ReplaySpeed[] = [0.1, 0.5, 1, 2, 5, 10, 100, 'max'];

/** A speed <select>'s value back to a speed. */
export const parseSpeed = (value: string): ReplaySpeed => (value === 'max' ? 'max' : Number(value));

export const EXPORT_NOTES: Record<ExportFormat, string> = {
  mqttrec: 'The recording itself (SQLite): import it on another machine.',
  jsonl: 'One packet per line as JSON, payloads base64.',
  pcapng: 'A capture Wireshark decodes as MQTT (one TCP stream per connection).',
};

/** Record everything the workbench sees, or only one named client's traffic. */
export const EVERYTHING = '';

export class RecordingsViewState {
  name = $state('');
  notes = $state('');
  client = $state(EVERYTHING);
  filter = $state('#');
  selectedId = $state<string | null>(null);
  editName = $state('');
  editNotes = $state('');
  exportPath = $state('');
  exportFormat = $state<ExportFormat>('mqttrec');
  importPath = $state('');
  pendingDelete = $state.raw<RecordingInfo | null>(null);
  replayClient = $state('');
  /** A <select> value: a number as text, or 'max'. */
  replaySpeed = $state('1');
  replayTopic = $state('');
  replayRetainedFirst = $state(false);
  /** What the last action did, for a status line. */
  done = $state<string | null>(null);

  private constructor(private readonly workbench: Workbench) {}

  static for = perWorkbench((workbench) => new RecordingsViewState(workbench));

  get recordings() {
    return this.workbench.recordings;
  }

  get selected(): RecordingInfo | null {
    return this.recordings.list.find((r) => r.id === this.selectedId) ?? null;
  }

  get clientNames(): string[] {
    return this.workbench.clients.list.map((c) => c.profile.name);
  }

  get connectedClients(): string[] {
    return this.workbench.clients.list.filter((c) => c.state === 'connected').map((c) => c.profile.name);
  }

  /** Shows the recording in the Timeline instead of live traffic, its cursor at the start. */
  async openInTimeline(info: RecordingInfo): Promise<void> {
    await this.workbench.scrub.open(info);
    if (this.workbench.scrub.recording) this.workbench.view = 'timeline';
  }

  async startReplay(info: RecordingInfo): Promise<void> {
    const topic = this.replayTopic.trim();
    const status = await this.workbench.call('replay.start', {
      id: info.id, client: this.replayClient, speed: parseSpeed(this.replaySpeed),
      retainedFirst: this.replayRetainedFirst, ...(topic ? { topic } : {}),
    });
    if (status) this.recordings.replay = status;
  }

  async controlReplay(input: InputOf<'replay.control'>): Promise<void> {
    const status = await this.workbench.call('replay.control', input);
    if (status) this.recordings.replay = status;
  }

  select(info: RecordingInfo): void {
    this.selectedId = info.id;
    this.editName = info.name;
    this.editNotes = info.notes;
    this.done = null;
  }

  async start(): Promise<void> {
    const name = this.name.trim() || `Recording ${new Date().toLocaleString()}`;
    const one = this.client !== EVERYTHING;
    const info = await this.workbench.call('recording.start', {
      name, notes: this.notes, ...(one ? { client: this.client, ...(this.filter.trim() ? { filter: this.filter.trim() } : {}) } : {}),
    });
    if (!info) return;
    this.recordings.upsert(info);
    this.select(info);
    this.name = '';
    this.notes = '';
  }

  async stop(): Promise<void> {
    const info = await this.workbench.call('recording.stop', {});
    if (info) this.recordings.upsert(info);
  }

  async save(): Promise<void> {
    if (!this.selected) return;
    const info = await this.workbench.call('recording.rename', { id: this.selected.id, name: this.editName, notes: this.editNotes });
    if (!info) return;
    this.recordings.upsert(info);
    this.done = 'Saved.';
  }

  async exportSelected(): Promise<void> {
    if (!this.selected) return;
    const result = await this.workbench.call('recording.export', { id: this.selected.id, path: this.exportPath.trim(), format: this.exportFormat });
    if (result) this.done = `Exported to ${result.path} (${result.bytes.toLocaleString('en')} bytes).`;
  }

  async importFile(): Promise<void> {
    const info = await this.workbench.call('recording.import', { path: this.importPath.trim() });
    if (!info) return;
    this.recordings.upsert(info);
    this.select(info);
    this.importPath = '';
    this.done = `Imported “${info.name}”.`;
  }

  async confirmDelete(): Promise<void> {
    const target = this.pendingDelete;
    this.pendingDelete = null;
    if (!target || !(await this.workbench.call('recording.delete', { id: target.id }))) return;
    this.recordings.remove(target.id);
    if (this.selectedId === target.id) this.selectedId = null;
  }
}

/** "12 min 5 s" between two epoch-µs stamps (to now while still recording). */
export function span(info: RecordingInfo, nowUs = Date.now() * 1000): string {
  const seconds = Math.max(0, Math.round(((info.endedUs ?? nowUs) - info.startedUs) / 1e6));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
