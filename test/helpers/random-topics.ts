// Seeded random topics and filters for property-style tests: a failure names a seed that reproduces it.

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A small alphabet, so random topics and filters meet often; '$x' exercises the $-topic rule. */
const LEVELS = ['a', 'b', '$x', ''];
const level = (rand: () => number) => LEVELS[Math.floor(rand() * LEVELS.length)];

export function randomTopic(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 4);
  return Array.from({ length: n }, () => level(rand)).join('/');
}

/** A valid filter: one made of a single empty level is drawn again. */
export function randomFilter(rand: () => number): string {
  for (;;) {
    const n = 1 + Math.floor(rand() * 4);
    const levels: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = rand();
      if (i === n - 1 && r < 0.2) levels.push('#');
      else if (r < 0.45) levels.push('+');
      else levels.push(level(rand));
    }
    const filter = levels.join('/');
    if (filter !== '') return filter;
  }
}
