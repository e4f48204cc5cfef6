// Parsers for CLI option values: each throws a one-line message commander prints as the error.
import { InvalidArgumentError } from 'commander';
import { topicFilterProblem } from '../../shared/mqtt/topic.js';

export function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected ${min}..${max}, got ${n}`);
    return n;
  };
}

export const port = integer(0, 65535);

export function oneOf<T extends string>(...choices: T[]) {
  return (value: string): T => {
    if (!(choices as string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

export function topicFilter(value: string): string {
  const problem = topicFilterProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

export function qosLevel(value: string): 0 | 1 | 2 {
  if (value !== '0' && value !== '1' && value !== '2') throw new InvalidArgumentError(`expected 0, 1 or 2, got "${value}"`);
  return Number(value) as 0 | 1 | 2;
}
