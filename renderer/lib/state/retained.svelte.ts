// The broker's retained store, a page at a time; refreshed (at most twice a second) when it changes.
import type { RetainedEntry } from '../../../shared/contract/broker.js';
import type { Workbench } from './workbench.svelte.js';

const REFRESH_MS = 500;

export class RetainedState {
  entries = $state.raw<RetainedEntry[]>([]);
  total = $state(0);
  search = $state('');
  /** Cursors of the pages before this one, for "previous". */
  private cursors: Array<string | undefined> = [];
  cursor = $state<string | undefined>(undefined);
  next = $state<string | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly workbench: Workbench) {}

  async refresh(): Promise<void> {
    const page = await this.workbench.call('retained.list', {
      ...(this.search ? { search: this.search } : {}),
      ...(this.cursor !== undefined ? { cursor: this.cursor } : {}),
      limit: 100,
      payloadBytes: 256,
    });
    if (!page) return;
    this.entries = page.entries;
    this.total = page.total;
    this.next = page.next;
  }

  changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, REFRESH_MS);
  }

  async nextPage(): Promise<void> {
    if (this.next === null) return;
    this.cursors.push(this.cursor);
    this.cursor = this.next;
    await this.refresh();
  }

  async previousPage(): Promise<void> {
    if (this.cursors.length === 0) return;
    this.cursor = this.cursors.pop();
    await this.refresh();
  }

  async searchFor(text: string): Promise<void> {
    this.search = text;
    this.cursor = undefined;
    this.cursors = [];
    await this.refresh();
  }

  async remove(topic: string): Promise<void> {
    await this.workbench.call('retained.delete', { topic });
    await this.refresh();
  }

  async removeTree(prefix: string): Promise<number> {
    const result = await this.workbench.call('retained.deleteTree', { prefix });
    await this.refresh();
    return result?.deleted ?? 0;
  }
}
