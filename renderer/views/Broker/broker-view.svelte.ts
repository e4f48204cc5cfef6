// What the Broker tab holds besides workbench.broker: the session being looked at and its detail, kept
// fresh while the tab is open (queue sizes change without a session event).
import type { SessionDetail } from '../../../shared/contract/broker.js';
import type { Workbench } from '../../lib/state/workbench.svelte.js';
import { perWorkbench } from '../../lib/state/per-workbench.svelte.js';

const REFRESH_MS = 2000;


export class BrokerViewState {
  selected = $state<string | null>(null);
  detail = $state.raw<SessionDetail | null>(null);
  private timer: ReturnType<typeof setInterval> | null = null;

  private constructor(private readonly workbench: Workbench) {}

  static for = perWorkbench((workbench) => new BrokerViewState(workbench));

  get broker() {
    return this.workbench.broker;
  }

  /** Refreshes now and every 2 s until the returned function is called. */
  watch(): () => void {
    void this.refresh();
    // A successful call clears the status bar's error: the background refresh waits while one is shown.
    this.timer = setInterval(() => {
      if (this.workbench.error === null) void this.refresh();
    }, REFRESH_MS);
    return () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    };
  }

  async refresh(): Promise<void> {
    await Promise.all([this.broker.refresh(), this.loadDetail()]);
  }

  async select(clientId: string | null): Promise<void> {
    this.selected = clientId;
    this.detail = null;
    await this.loadDetail();
  }

  private async loadDetail(): Promise<void> {
    const clientId = this.selected;
    // A session that ended has no detail to ask for: keep its last one on screen, marked as ended.
    if (clientId === null || !this.broker.sessions.some((s) => s.clientId === clientId)) return;
    const detail = await this.workbench.call('broker.session', { clientId, limit: 100 });
    if (detail && this.selected === clientId) this.detail = detail;
  }
}

/** 3 → "3.1", 4 → "3.1.1", 5 → "5.0". */
export function protocolName(version: number | null): string {
  if (version === null) return '—';
  return ({ 3: '3.1', 4: '3.1.1', 5: '5.0' } as Record<number, string>)[version] ?? `v${version}`;
}

/** Seconds as "90 s", "2 h 5 min", "never" (the MQTT 5 maximum). */
export function duration(seconds: number): string {
  if (seconds >= 0xffffffff) return 'never';
  if (seconds < 120) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

export function perSecond(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en') : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}
