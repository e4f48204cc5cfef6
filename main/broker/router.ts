// Routing: the subscription trie (with share groups) and the retained store; every message the broker
// accepts goes through route(), which stores it when retained and hands it to each matching session.
import type { Auth } from './auth.js';
import type { EncodeCache } from './connection.js';
import type { BrokerEventEmitter } from './events.js';
import type { Message, QoS } from './message.js';
import type { BrokerPersistence, StoredSubscription } from './persistence.js';
import { RetainedStore } from './retained.js';
import type { Session, Subscription } from './session.js';
import { TopicTree } from './topic-tree.js';

/** Members of one `$share/{group}/{filter}`: each message goes to one of them. */
interface ShareGroup {
  members: Subscription[];
  next: number;
}

export interface RouterEnv {
  auth: Auth;
  events: BrokerEventEmitter;
  persistence: BrokerPersistence;
}

export class Router {
  readonly retained = new RetainedStore();
  private readonly subscriptions = new TopicTree<Subscription>();
  private readonly shareGroups = new TopicTree<ShareGroup>();
  private routeStamp = 0;

  constructor(private readonly env: RouterEnv) {}

  get subscriptionCount(): number {
    return this.subscriptions.size + this.shareGroups.size;
  }

  route(message: Message): void {
    if (message.retain) this.storeRetained(message);
    if (this.subscriptions.size > 0) {
      const matches = this.subscriptions.match(message.topic);
      if (matches.length > 0) this.deliverToMatches(message, matches);
    }
    if (this.shareGroups.size > 0) {
      for (const group of this.shareGroups.match(message.topic)) this.deliverToGroup(message, group);
    }
  }

  /** True when there was a retained message for the topic. */
  clearRetained(topic: string): boolean {
    if (!this.retained.delete(topic)) return false;
    if (this.env.persistence.durable && !topic.startsWith('$SYS/')) this.env.persistence.deleteRetained(topic);
    this.env.events.emit('retainedChanged', { topic, change: 'cleared' });
    return true;
  }

  private storeRetained(message: Message): void {
    const durable = this.env.persistence.durable && !message.topic.startsWith('$SYS/');
    if (message.payload.length === 0) {
      // An empty retained message clears the topic and is not stored [MQTT-3.3.1-10/11].
      this.clearRetained(message.topic);
      return;
    }
    // A copy, so the store does not pin the whole socket chunk the payload was sliced from. (The message
    // is shared by its deliveries; they may as well share the copy.)
    message.payload = Buffer.from(message.payload);
    this.retained.set(message);
    if (durable) this.env.persistence.setRetained(message);
    if (this.env.events.listenerCount('retainedChanged') > 0) {
      this.env.events.emit('retainedChanged', { topic: message.topic, change: 'set', message });
    }
  }

  private deliverToMatches(message: Message, matches: readonly Subscription[]): void {
    const cache: EncodeCache = [];
    const stamp = ++this.routeStamp;
    let repeated = false;
    for (const subscription of matches) {
      if (subscription.session.routeStamp === stamp) repeated = true;
      subscription.session.routeStamp = stamp;
    }
    if (!repeated) {
      for (const subscription of matches) this.deliverTo(message, subscription, cache);
      return;
    }
    // A client matched by several of its filters gets one copy, at the highest QoS, with every
    // subscription identifier (3.1.1 [MQTT-3.3.5-1]; allowed by MQTT 5 §3.3.4).
    const merged = new Map<Session, { best: Subscription; ids: number[] }>();
    for (const subscription of matches) {
      if (subscription.noLocal && subscription.session.clientId === message.publisher) continue;
      const entry = merged.get(subscription.session);
      if (!entry) {
        merged.set(subscription.session, { best: subscription, ids: idsOf(subscription) });
        continue;
      }
      entry.ids.push(...idsOf(subscription));
      if (subscription.qos > entry.best.qos || (subscription.qos === entry.best.qos && subscription.retainAsPublished)) {
        entry.best = subscription;
      }
    }
    for (const { best, ids } of merged.values()) {
      this.deliverTo(message, best, cache, ids.length > 0 ? ids : undefined);
    }
  }

  private deliverTo(message: Message, subscription: Subscription, cache: EncodeCache, ids = idsOrUndefined(subscription)): void {
    const { session } = subscription;
    if (subscription.noLocal && session.clientId === message.publisher) return; // [MQTT-3.8.3-3]
    const { acl } = this.env.auth;
    if (acl && !acl.canReceive({ clientId: session.clientId, username: session.username }, message.topic)) return;
    const qos = (message.qos < subscription.qos ? message.qos : subscription.qos) as QoS;
    const retain = subscription.retainAsPublished && message.retain;
    session.deliver(ids ? { message, qos, retain, subscriptionIds: ids } : { message, qos, retain }, false, cache);
  }

  /** One member per message, round robin, preferring members that are online. */
  private deliverToGroup(message: Message, group: ShareGroup): void {
    const n = group.members.length;
    if (n === 0) return;
    let chosen = group.members[group.next % n];
    for (let i = 0; i < n; i++) {
      const candidate = group.members[(group.next + i) % n];
      if (candidate.session.link) {
        chosen = candidate;
        group.next = (group.next + i) % n;
        break;
      }
    }
    group.next = (group.next + 1) % n;
    this.deliverTo(message, chosen, []);
  }

  subscribe(subscription: Subscription): boolean {
    const { session } = subscription;
    const existed = this.index(subscription);
    if (this.env.persistence.durable && session.persistent) {
      this.env.persistence.saveSubscription(session.clientId, toStored(subscription));
    }
    this.env.events.emit('subscriptionChanged', {
      clientId: session.clientId, filter: subscription.filter, change: 'added', qos: subscription.qos,
    });
    return existed;
  }

  /** Puts a subscription in its session and in the tries, replacing one with the same filter. */
  index(subscription: Subscription): boolean {
    const { session } = subscription;
    const existing = session.subscriptions.get(subscription.filter);
    if (existing) this.removeFromTries(existing);
    session.subscriptions.set(subscription.filter, subscription);
    if (subscription.shareGroup !== undefined) {
      let group = this.shareGroups.get(subscription.topicFilter, subscription.shareGroup);
      if (!group) {
        group = { members: [], next: 0 };
        this.shareGroups.add(subscription.topicFilter, subscription.shareGroup, group);
      }
      group.members.push(subscription);
    } else {
      this.subscriptions.add(subscription.topicFilter, session.clientId, subscription);
    }
    return existing !== undefined;
  }

  unsubscribe(session: Session, filter: string): boolean {
    const subscription = session.subscriptions.get(filter);
    if (!subscription) return false;
    session.subscriptions.delete(filter);
    this.removeFromTries(subscription);
    if (this.env.persistence.durable && session.persistent) this.env.persistence.deleteSubscription(session.clientId, filter);
    this.env.events.emit('subscriptionChanged', { clientId: session.clientId, filter, change: 'removed' });
    return true;
  }

  private removeFromTries(subscription: Subscription): void {
    if (subscription.shareGroup === undefined) {
      this.subscriptions.remove(subscription.topicFilter, subscription.session.clientId);
      return;
    }
    const group = this.shareGroups.get(subscription.topicFilter, subscription.shareGroup);
    if (!group) return;
    group.members = group.members.filter((m) => m !== subscription);
    if (group.members.length === 0) this.shareGroups.remove(subscription.topicFilter, subscription.shareGroup);
  }

  /** Takes every subscription of a session that is ending out of the tries. */
  removeAll(session: Session): void {
    for (const subscription of session.subscriptions.values()) this.removeFromTries(subscription);
    session.subscriptions.clear();
  }
}

function idsOf(subscription: Subscription): number[] {
  return subscription.subscriptionId !== undefined ? [subscription.subscriptionId] : [];
}

function idsOrUndefined(subscription: Subscription): number[] | undefined {
  return subscription.subscriptionId !== undefined ? [subscription.subscriptionId] : undefined;
}

function toStored(s: Subscription): StoredSubscription {
  const stored: StoredSubscription = {
    filter: s.filter, qos: s.qos, noLocal: s.noLocal, retainAsPublished: s.retainAsPublished, retainHandling: s.retainHandling,
  };
  if (s.subscriptionId !== undefined) stored.subscriptionId = s.subscriptionId;
  return stored;
}
