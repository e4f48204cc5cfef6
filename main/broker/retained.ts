// Retained messages: one per topic, in a trie of their own (Mosquitto keeps subscriptions and retained
// messages in two tries too), so a new subscription's filter can be matched against stored topics.
import type { Message } from './message.js';

class Node {
  /** Null until the first child: most nodes are leaves, and an empty Map costs ~200 bytes. */
  children: Map<string, Node> | null = null;
  message: Message | null = null;
}

const newNode = (): Node => new Node();

export class RetainedStore {
  private readonly root = newNode();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(topic: string): Message | undefined {
    let node: Node | undefined = this.root;
    for (const level of topic.split('/')) {
      node = node.children?.get(level);
      if (!node) return undefined;
    }
    return node.message ?? undefined;
  }

  set(message: Message): void {
    const { topic } = message;
    let node = this.root;
    // Level by level without split(): this runs for every retained publish.
    for (let start = 0; start <= topic.length;) {
      let end = topic.indexOf('/', start);
      if (end === -1) end = topic.length;
      const level = topic.slice(start, end);
      node.children ??= new Map();
      let child = node.children.get(level);
      if (!child) node.children.set(level, (child = newNode()));
      node = child;
      start = end + 1;
    }
    if (!node.message) this.count++;
    node.message = message;
  }

  /** True when a message was stored for this topic. */
  delete(topic: string): boolean {
    const levels = topic.split('/');
    const path: Node[] = [this.root];
    for (const level of levels) {
      const child = path[path.length - 1].children?.get(level);
      if (!child) return false;
      path.push(child);
    }
    if (!path[path.length - 1].message) return false;
    path[path.length - 1].message = null;
    this.count--;
    for (let i = levels.length; i > 0 && !path[i].children?.size && !path[i].message; i--) {
      path[i - 1].children!.delete(levels[i - 1]);
    }
    return true;
  }

  /** Every retained message whose topic matches `filter` (a valid, non-shared filter). */
  match(filter: string): Message[] {
    const out: Message[] = [];
    this.walk(this.root, filter.split('/'), 0, out);
    return out;
  }

  /** Every retained message, in no particular order. */
  all(): Message[] {
    const out: Message[] = [];
    this.collect(this.root, out, false);
    return out;
  }

  private walk(node: Node, levels: string[], i: number, out: Message[]): void {
    if (i === levels.length) {
      if (node.message) out.push(node.message);
      return;
    }
    const level = levels[i];
    if (level === '#') {
      // '#' matches the parent level too; at the first level it skips '$' topics [MQTT-4.7.2-1].
      if (node.message && i > 0) out.push(node.message);
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

  private collect(node: Node, out: Message[], skipDollar: boolean): void {
    if (!node.children) return;
    for (const [name, child] of node.children) {
      if (skipDollar && name.startsWith('$')) continue;
      if (child.message) out.push(child.message);
      this.collect(child, out, false);
    }
  }
}
