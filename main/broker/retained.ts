// Retained messages: one per topic. A Map holds them, so storing one (most often a new value for a topic
// already there) costs one Map set. Wildcard filters need a trie of the topics (Mosquitto keeps one
// apart from its subscriptions too): it is built at the first wildcard lookup and kept up to date after.
import type { Message } from './message.js';

class Node {
  /** Null until the first child: most nodes are leaves, and an empty Map costs ~200 bytes. */
  children: Map<string, Node> | null = null;
  /** The full topic when a retained message ends at this node. */
  topic: string | null = null;
}

/** A trie of topic names that answers "which topics match this filter". */
class TopicIndex {
  private readonly root = new Node();

  add(topic: string): void {
    let node = this.root;
    // Level by level without split(): this runs for every new retained topic.
    for (let start = 0; start <= topic.length;) {
      let end = topic.indexOf('/', start);
      if (end === -1) end = topic.length;
      const level = topic.slice(start, end);
      node.children ??= new Map();
      let child = node.children.get(level);
      if (!child) node.children.set(level, (child = new Node()));
      node = child;
      start = end + 1;
    }
    node.topic = topic;
  }

  remove(topic: string): void {
    const levels = topic.split('/');
    const path: Node[] = [this.root];
    for (const level of levels) {
      const child = path[path.length - 1].children?.get(level);
      if (!child) return;
      path.push(child);
    }
    path[path.length - 1].topic = null;
    for (let i = levels.length; i > 0 && !path[i].children?.size && !path[i].topic; i--) {
      path[i - 1].children!.delete(levels[i - 1]);
    }
  }

  match(filter: string): string[] {
    const out: string[] = [];
    this.walk(this.root, filter.split('/'), 0, out);
    return out;
  }

  private walk(node: Node, levels: string[], i: number, out: string[]): void {
    if (i === levels.length) {
      if (node.topic !== null) out.push(node.topic);
      return;
    }
    const level = levels[i];
    if (level === '#') {
      // '#' matches the parent level too; at the first level it skips '$' topics [MQTT-4.7.2-1].
      if (node.topic !== null && i > 0) out.push(node.topic);
      this.collect(node, out, i === 0);
    } else if (level === '+') {
      if (!node.children) return;
      for (const [name, child] of node.children) {
        if (i === 0 && name.startsWith('$')) continue;
        this.walk(child, levels, i + 1, out);
      }
    } else {
      const child = node.children?.get(level);
      if (child) this.walk(child, levels, i + 1, out);
    }
  }

  private collect(node: Node, out: string[], skipDollar: boolean): void {
    if (!node.children) return;
    for (const [name, child] of node.children) {
      if (skipDollar && name.startsWith('$')) continue;
      if (child.topic !== null) out.push(child.topic);
      this.collect(child, out, false);
    }
  }
}

export class RetainedStore {
  private readonly byTopic = new Map<string, Message>();
  private index: TopicIndex | null = null;

  get size(): number {
    return this.byTopic.size;
  }

  get(topic: string): Message | undefined {
    return this.byTopic.get(topic);
  }

  set(message: Message): void {
    const isNew = !this.byTopic.has(message.topic);
    this.byTopic.set(message.topic, message);
    if (isNew) this.index?.add(message.topic);
  }

  /** True when a message was stored for this topic. */
  delete(topic: string): boolean {
    if (!this.byTopic.delete(topic)) return false;
    this.index?.remove(topic);
    return true;
  }

  /** Every retained message whose topic matches `filter` (a valid, non-shared filter). */
  match(filter: string): Message[] {
    if (!filter.includes('+') && !filter.includes('#')) {
      const message = this.byTopic.get(filter);
      return message ? [message] : [];
    }
    if (!this.index) {
      this.index = new TopicIndex();
      for (const topic of this.byTopic.keys()) this.index.add(topic);
    }
    return this.index.match(filter).map((topic) => this.byTopic.get(topic)!);
  }

  /** Every retained message, in the order first stored. */
  all(): Message[] {
    return [...this.byTopic.values()];
  }
}
