// What the broker shows: its status, its sessions, and the live counters.
import type { BrokerStatus, Counters, SessionInfo } from '../../../shared/contract/broker.js';
import type { Workbench } from './workbench.svelte.js';

export class BrokerState {
  status = $state.raw<BrokerStatus | null>(null);
  sessions = $state.raw<SessionInfo[]>([]);
  counters = $state.raw<Counters | null>(null);

  constructor(private readonly workbench: Workbench) {}

  async refresh(): Promise<void> {
    const [status, sessions] = await Promise.all([
      this.workbench.call('broker.status', {}),
      this.workbench.call('broker.sessions', {}),
    ]);
    if (status) this.status = status;
    if (sessions) this.sessions = sessions;
  }

  upsertSession(session: SessionInfo): void {
    const i = this.sessions.findIndex((s) => s.clientId === session.clientId);
    this.sessions = i < 0 ? [...this.sessions, session] : this.sessions.map((s, j) => (j === i ? session : s));
  }

  removeSession(clientId: string): void {
    this.sessions = this.sessions.filter((s) => s.clientId !== clientId);
  }
}
