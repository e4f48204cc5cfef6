// What the Clients tab holds besides the clients themselves: the open create/edit form, the message
// being looked at, the publish form. One per Workbench, so it survives switching tabs.
import type { ClientInfo } from '../../../shared/contract/clients.js';
import type { TrafficRecord } from '../../../shared/contract/traffic.js';
import type { Workbench } from '../../lib/state/workbench.svelte.js';
import { ClientFormState } from './client-form.svelte.js';
import { PublishFormState } from './publish-form.svelte.js';
import { perWorkbench } from '../../lib/state/per-workbench.svelte.js';


export class ClientsViewState {
  form = $state<ClientFormState | null>(null);
  /** The message shown in the detail panel (records have no stable id while live: kept by reference). */
  message = $state.raw<TrafficRecord | null>(null);
  /** The client whose Delete waits for a confirmation. */
  confirmDelete = $state<string | null>(null);
  readonly publish = new PublishFormState();

  private constructor(private readonly workbench: Workbench) {}

  static for = perWorkbench((workbench) => new ClientsViewState(workbench));

  get clients() {
    return this.workbench.clients;
  }

  select(name: string): void {
    if (this.clients.selected === name) return;
    this.clients.selected = name;
    this.message = null;
    this.confirmDelete = null;
  }

  openNew(): void {
    this.form = ClientFormState.forNew(this.clients.list);
  }

  openEdit(): void {
    const current = this.clients.current;
    if (current) this.form = new ClientFormState(current.profile);
  }

  /** Creates or updates from the open form; closes it on success. */
  async save(): Promise<void> {
    const form = this.form;
    if (!form || !form.valid) return;
    if (!form.original) {
      const info = await this.workbench.call('clients.create', form.toInput());
      if (!info) return void (form.saveError = this.workbench.error);
      this.upsertAndSelect(info);
      this.form = null;
      return;
    }
    const { patch, kept } = form.toPatch();
    if (Object.keys(patch).length > 0) {
      const info = await this.workbench.call('clients.update', { name: form.original.name, profile: patch });
      if (!info) return void (form.saveError = this.workbench.error);
      this.updated(form.original.name, info);
    }
    // The contract cannot remove a saved value yet (a field left out keeps it): say so rather than pretend.
    if (kept.length > 0) {
      form.saveError = `${Object.keys(patch).length > 0 ? 'Saved, but these' : 'These'} keep their saved values`
        + ` (an update cannot remove a value yet): ${kept.join(', ')}`;
      return;
    }
    this.form = null;
  }

  /** A profile changed, maybe its name: keep its place in the list and what it received. */
  private updated(oldName: string, info: ClientInfo): void {
    const newName = info.profile.name;
    if (newName !== oldName) {
      const { [oldName]: received, ...others } = this.clients.messages;
      this.clients.messages = received ? { ...others, [newName]: received } : others;
      this.clients.list = this.clients.list.map((c) => (c.profile.name === oldName ? info : c));
      this.clients.selected = newName;
    }
    this.clients.upsert(info);
  }

  async toggleConnection(client: ClientInfo): Promise<void> {
    const { name } = client.profile;
    const live = client.state === 'connected' || client.state === 'connecting' || client.state === 'reconnecting';
    const info = await this.workbench.call(live ? 'clients.disconnect' : 'clients.connect', { name });
    if (info) this.clients.upsert(info);
  }

  async clone(client: ClientInfo): Promise<void> {
    const info = await this.workbench.call('clients.clone', { name: client.profile.name });
    if (info) this.upsertAndSelect(info);
  }

  async remove(name: string): Promise<void> {
    this.confirmDelete = null;
    const result = await this.workbench.call('clients.delete', { name });
    if (result) this.clients.remove(name);
  }

  clearMessages(name: string): void {
    this.clients.messages = { ...this.clients.messages, [name]: [] };
    this.message = null;
  }

  private upsertAndSelect(info: ClientInfo): void {
    this.clients.upsert(info);
    this.select(info.profile.name);
  }
}
