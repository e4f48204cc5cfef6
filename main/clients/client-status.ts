// What a named client shows (ClientInfo) and when it says it changed.
import type { ClientInfo, ClientProfile, ClientState, ClientSubscription } from '../../shared/contract/clients.js';

/** Counter-only changes are announced at most this often: a message flood must not become a ClientInfo flood. */
const COUNTER_CHANGE_MS = 100;

export class ClientStatus {
  state: ClientState = 'disconnected';
  lastError: string | undefined;
  connectedClientId: string | undefined;
  url: string | undefined;
  readonly subscriptions = new Map<string, ClientSubscription>();
  private messagesIn = 0;
  private messagesOut = 0;
  private counterTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly profile: () => ClientProfile,
    private readonly hasPassword: () => boolean,
    private readonly announce: (info: ClientInfo) => void,
  ) {}

  info(): ClientInfo {
    const { password: _never, ...profile } = this.profile();
    return {
      profile: { ...profile, hasPassword: this.hasPassword() },
      state: this.state,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.connectedClientId !== undefined ? { connectedClientId: this.connectedClientId } : {}),
      ...(this.url !== undefined ? { url: this.url } : {}),
      subscriptions: [...this.subscriptions.values()],
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
    };
  }

  /** Moves to `state` (with an error to show, for 'error'); announces only a real change. */
  set(state: ClientState, lastError?: string): void {
    if (lastError !== undefined) this.lastError = lastError;
    if (this.state === state && lastError === undefined) return;
    this.state = state;
    this.changed();
  }

  count(direction: 'in' | 'out'): void {
    if (direction === 'in') this.messagesIn++;
    else this.messagesOut++;
    this.counterTimer ??= setTimeout(() => {
      this.counterTimer = null;
      if (!this.stopped) this.announce(this.info());
    }, COUNTER_CHANGE_MS);
  }

  /** Announces now (and with it any pending counter change). */
  changed(): void {
    if (this.counterTimer) clearTimeout(this.counterTimer);
    this.counterTimer = null;
    if (!this.stopped) this.announce(this.info());
  }

  stop(): void {
    this.stopped = true;
    if (this.counterTimer) clearTimeout(this.counterTimer);
    this.counterTimer = null;
  }
}
