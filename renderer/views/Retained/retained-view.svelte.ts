// What the Retained tab holds besides the page of messages (workbench.retained): the message being
// looked at, the search box, the page position, and a subtree delete waiting for its confirmation.
import type { RetainedEntry } from '../../../shared/contract/broker.js';
import { topicNameProblem } from '../../../shared/mqtt/topic.js';
import type { Workbench } from '../../lib/state/workbench.svelte.js';
import { perWorkbench } from '../../lib/state/per-workbench.svelte.js';

const SEARCH_DELAY_MS = 200;
/** RetainedState's page size. */
const PAGE = 100;

export interface PendingDelete {
  prefix: string;
  /** How many retained messages would go. */
  count: number;
}


export class RetainedViewState {
  selected = $state.raw<RetainedEntry | null>(null);
  searchText = $state('');
  /** Pages before this one (RetainedState pages by cursor; this is for "1–100 of 250"). */
  pageIndex = $state(0);
  prefix = $state('');
  prefixProblem = $state<string | null>(null);
  pending = $state<PendingDelete | null>(null);
  /** The last delete's outcome, for the status line. */
  done = $state<string | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;

  private constructor(private readonly workbench: Workbench) {}

  static for = perWorkbench((workbench) => new RetainedViewState(workbench));

  get retained() {
    return this.workbench.retained;
  }

  get range(): string {
    const { entries, total } = this.retained;
    if (entries.length === 0) return `0 of ${total}`;
    const first = this.pageIndex * PAGE + 1;
    return `${first}–${first + entries.length - 1} of ${total}`;
  }

  search(text: string): void {
    this.searchText = text;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pageIndex = 0;
      void this.retained.searchFor(text.trim());
    }, SEARCH_DELAY_MS);
  }

  async next(): Promise<void> {
    if (this.retained.next === null) return;
    await this.retained.nextPage();
    this.pageIndex++;
  }

  async previous(): Promise<void> {
    if (this.pageIndex === 0) return;
    await this.retained.previousPage();
    this.pageIndex--;
  }

  async remove(entry: RetainedEntry): Promise<void> {
    await this.retained.remove(entry.topic);
    if (this.selected?.topic === entry.topic) this.selected = null;
    this.done = `Deleted the retained message on ${entry.topic}.`;
  }

  /** Counts what a subtree delete would remove, and asks for a confirmation. */
  async askDeleteTree(prefix: string): Promise<void> {
    const topic = prefix.trim();
    const problem = topicNameProblem(topic);
    this.prefixProblem = problem && `The prefix ${problem}.`;
    if (problem) return;
    const page = await this.workbench.call('retained.list', { filter: `${topic}/#`, limit: 1, payloadBytes: 0 });
    if (page) this.pending = { prefix: topic, count: page.total };
  }

  async confirmDeleteTree(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    if (this.prefix.trim() === pending.prefix) this.prefix = '';
    const deleted = await this.retained.removeTree(pending.prefix);
    const selected = this.selected?.topic;
    if (selected === pending.prefix || selected?.startsWith(`${pending.prefix}/`)) this.selected = null;
    this.done = `Deleted ${deleted} retained message${deleted === 1 ? '' : 's'} under ${pending.prefix}.`;
  }
}
