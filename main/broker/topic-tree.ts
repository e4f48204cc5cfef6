// Subscriptions by topic filter: a trie over topic levels. It only answers "who matches this topic";
// delivering is the broker's job. Each filter holds values by key (a client id or a share group).

interface Node<T> {
  children: Map<string, Node<T>>;
  values: Map<string, T> | null;
}

const newNode = <T>(): Node<T> => ({ children: new Map(), values: null });

const CACHE_LIMIT = 10_000;

export class TopicTree<T> {
  private readonly root: Node<T> = newNode();
  private count = 0;
  // Publishers repeat topics; remembering the last answers saves the walk. Any change empties it.
  private readonly cache = new Map<string, readonly T[]>();

  get size(): number {
    return this.count;
  }

  /** Sets the value for (filter, key); true when it is new. */
  add(filter: string, key: string, value: T): boolean {
    let node = this.root;
    for (const level of filter.split('/')) {
      let child = node.children.get(level);
      if (!child) node.children.set(level, (child = newNode()));
      node = child;
    }
    node.values ??= new Map();
    const isNew = !node.values.has(key);
    node.values.set(key, value);
    if (isNew) this.count++;
    this.cache.clear();
    return isNew;
  }

  get(filter: string, key: string): T | undefined {
    return this.find(filter)?.values?.get(key);
  }

  remove(filter: string, key: string): boolean {
    const path: Node<T>[] = [this.root];
    const levels = filter.split('/');
    for (const level of levels) {
      const child = path[path.length - 1].children.get(level);
      if (!child) return false;
      path.push(child);
    }
    const node = path[path.length - 1];
    if (!node.values?.delete(key)) return false;
    this.count--;
    this.cache.clear();
    // Prune empty nodes so the trie does not keep every filter ever used.
    for (let i = levels.length; i > 0; i--) {
      const n = path[i];
      if (n.children.size > 0 || (n.values && n.values.size > 0)) break;
      path[i - 1].children.delete(levels[i - 1]);
    }
    return true;
  }

  /** Every value whose filter matches `topic`. The array is shared: do not change it. */
  match(topic: string): readonly T[] {
    const cached = this.cache.get(topic);
    if (cached) return cached;
    const out: T[] = [];
    const levels = topic.split('/');
    // Wildcards at the first level do not match topics that start with '$' [MQTT-4.7.2-1].
    this.walk(this.root, levels, 0, out, topic.charCodeAt(0) === 36 /* $ */);
    // Topics nobody subscribes to are not remembered: a stream of distinct ones would only churn the cache.
    if (out.length === 0) return out;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(topic, out);
    return out;
  }

  private walk(node: Node<T>, levels: string[], i: number, out: T[], dollar: boolean): void {
    if (!dollar) {
      // '#' matches this level and everything below, including the parent itself [MQTT-4.7.1-2].
      const hash = node.children.get('#');
      if (hash?.values) for (const v of hash.values.values()) out.push(v);
    }
    if (i === levels.length) {
      if (node.values) for (const v of node.values.values()) out.push(v);
      return;
    }
    const exact = node.children.get(levels[i]);
    if (exact) this.walk(exact, levels, i + 1, out, false);
    if (!dollar) {
      const plus = node.children.get('+');
      if (plus) this.walk(plus, levels, i + 1, out, false);
    }
  }

  private find(filter: string): Node<T> | undefined {
    let node: Node<T> | undefined = this.root;
    for (const level of filter.split('/')) {
      node = node.children.get(level);
      if (!node) return undefined;
    }
    return node;
  }
}
