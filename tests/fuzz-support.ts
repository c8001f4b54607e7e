/**
 * What the fuzz suites share: a seeded PRNG (each case gets its own, so a failing case reruns alone),
 * the case counts (small in `pnpm test`, `ATTN_FUZZ_CASES` for long runs) and the loop that holds every
 * outcome to "a result or an AttnError, within a time budget".
 *
 *   ATTN_FUZZ_CASES=300000 pnpm exec vitest run tests/fuzz- --testTimeout=0   # a long run
 *   ATTN_FUZZ_SEED=7 ATTN_FUZZ_ONLY=1234 …                                    # rerun one case
 */
import { appendFileSync } from 'node:fs';
import { AttnError } from '@attnjs/core';

/** mulberry32: small, fast, and good enough to spread mutations. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const SEED = Number(process.env.ATTN_FUZZ_SEED ?? 20_261_202);
const ONLY = process.env.ATTN_FUZZ_ONLY === undefined ? undefined : Number(process.env.ATTN_FUZZ_ONLY);

/** `fallback` cases in `pnpm test`; `ATTN_FUZZ_CASES / divisor` in a long run (for slower targets). */
export function fuzzCases(fallback: number, divisor = 1): number {
  const requested = Number(process.env.ATTN_FUZZ_CASES);
  return Number.isFinite(requested) && requested > 0 ? Math.max(1, Math.floor(requested / divisor)) : fallback;
}

/** Runs one case; returns a label for the summary (e.g. the kind of mutation and "ok"). */
export type FuzzCase = (random: Random, index: number) => Promise<string> | string;

/**
 * Runs `cases` cases of `body`. A case may return or throw an `AttnError`; any other exception, or a
 * case slower than `budgetMs` (a hang in the making), fails the run naming the seed and case index.
 * Returns the outcome counts, and appends a summary line to `$ATTN_FUZZ_LOG` when set.
 */
export async function fuzz(target: string, cases: number, budgetMs: number, body: FuzzCase): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const count = (label: string) => counts.set(label, (counts.get(label) ?? 0) + 1);
  let slowest = 0;
  const started = performance.now();
  for (let index = 0; index < cases; index++) {
    if (ONLY !== undefined && index !== ONLY) continue;
    const random = new Random(Math.imul(SEED ^ 0x9e3779b9, 2_654_435_761) ^ Math.imul(index + 1, 0x85ebca6b));
    const start = performance.now();
    try {
      count(await body(random, index));
    } catch (error) {
      if (!(error instanceof AttnError)) {
        throw new Error(`${target}: case ${index} (ATTN_FUZZ_SEED=${SEED} ATTN_FUZZ_ONLY=${index}) threw ${String(error)}`, { cause: error });
      }
      count(error.name);
    }
    const took = performance.now() - start;
    slowest = Math.max(slowest, took);
    if (took > budgetMs) {
      throw new Error(`${target}: case ${index} (ATTN_FUZZ_SEED=${SEED} ATTN_FUZZ_ONLY=${index}) took ${took.toFixed(0)} ms, over ${budgetMs} ms`);
    }
  }
  const outcomes = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ');
  const line = `${target}: ${cases} cases (seed ${SEED}) in ${((performance.now() - started) / 1000).toFixed(1)} s, slowest ${slowest.toFixed(0)} ms: ${outcomes}`;
  if (process.env.ATTN_FUZZ_LOG) appendFileSync(process.env.ATTN_FUZZ_LOG, `${line}\n`);
  return counts;
}

/** Hostile values for JSON fields: wrong types, edges of every range, prototype names. */
export const HOSTILE_VALUES: readonly unknown[] = [
  -1, 0, 1, 2, 3, 7, 0.5, 1.5, -0, 1e-300, 1e300, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 53 + 2,
  '64', '', '2.0', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', true, false, null,
  [], [64], [[[1]]], {}, { __proto__: null, valueOf: 64 }, 'x'.repeat(1000),
];

/** Keys that `in` or a plain object lookup would find on `Object.prototype`. */
export const PROTOTYPE_KEYS = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
