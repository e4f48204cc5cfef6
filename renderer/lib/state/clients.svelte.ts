// The named clients, and what each one received (its `on_message` list), bounded.
import type { ClientInfo } from '../../../shared/contract/clients.js';
import type { TrafficRecord } from '../../../shared/contract/traffic.js';
import type { Workbench } from './workbench.svelte.js';

/** Received messages kept per client for the messages list. */
export const MESSAGES_PER_CLIENT = 1000;

export class ClientsState {
  list = $state.raw<ClientInfo[]>([]);
  selected = $state<string | null>(null);
  /** Received PUBLISH records per client name, newest last. */
  messages = $state.raw<Record<string, TrafficRecord[]>>({});

  constructor(private readonly workbench: Workbench) {}

  get current(): ClientInfo | undefined {
    return this.list.find((c) => c.profile.name === this.selected);
  }

  async refresh(): Promise<void> {
    const list = await this.workbench.call('clients.list', {});
    if (!list) return;
    this.list = list;
    if (this.selected === null && list.length > 0) this.selected = list[0]!.profile.name;
  }

  upsert(info: ClientInfo): void {
    const i = this.list.findIndex((c) => c.profile.name === info.profile.name);
    this.list = i < 0 ? [...this.list, info] : this.list.map((c, j) => (j === i ? info : c));
  }

  remove(name: string): void {
    this.list = this.list.filter((c) => c.profile.name !== name);
    if (this.selected === name) this.selected = this.list[0]?.profile.name ?? null;
  }

  /** Keeps the PUBLISH packets named clients received: one new array per client per batch, not per packet. */
  packets(records: TrafficRecord[]): void {
    const received = new Map<string, TrafficRecord[]>();
    for (const r of records) {
      if (r.side !== 'client' || r.direction !== 'in' || r.type !== 'publish') continue;
      const list = received.get(r.connection);
      if (list) list.push(r);
      else received.set(r.connection, [r]);
    }
    if (received.size === 0) return;
    const next = { ...this.messages };
    for (const [name, fresh] of received) {
      const all = (next[name] ?? []).concat(fresh);
      next[name] = all.length > MESSAGES_PER_CLIENT ? all.slice(all.length - MESSAGES_PER_CLIENT) : all;
    }
    this.messages = next;
  }
}
