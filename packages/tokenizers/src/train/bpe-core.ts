/**
 * Learns BPE merges from word counts the way HF `tokenizers`' BpeTrainer does, step for step, so a
 * vocabulary trained here equals one trained there:
 *
 * 1. vocabulary = special tokens, then the alphabet sorted by code point (chars seen in the words,
 *    plus the initial alphabet, minus the rarest past `limitAlphabet`), then the per-position
 *    variants of chars (`##c` with a continuing-subword prefix, `c</w>` with a suffix);
 * 2. count every adjacent pair over all words, weighted by word count;
 * 3. repeatedly take the pair with the highest count, ties to the smallest (left id, right id);
 *    merge it in the words listed with that queue entry; update counts incrementally from the
 *    changes at each merge site; push an entry for every pair that gained occurrences, listing the
 *    words where it did. Stop at `vocabSize`, when the queue empties, or at the first pair whose
 *    count is below `minFrequency`.
 *
 * HF keeps one quirk this reproduces: the merged pair's own count is not decremented, and each queue
 * entry merges only in its own words, so a pair can be merged twice (its new token already exists).
 * HF then keeps the later rank, and so does `learnBpe`'s merge list.
 */
import { TrainerOptionError } from './errors.js';
import { PairQueue, type PairEntry } from './pair-queue.js';
import type { ReportProgress } from './progress.js';

export interface BpeLearnConfig {
  vocabSize: number;
  minFrequency: number;
  specialTokens: readonly string[];
  initialAlphabet: readonly string[];
  limitAlphabet?: number;
  continuingSubwordPrefix?: string;
  endOfWordSuffix?: string;
  /**
   * Order in which to register the per-position char variants (`##c`). HF registers them in hash
   * map order, which differs from run to run; by default we sort them by code point. A test passes
   * HF's order here to compare vocabularies exactly.
   */
  variantOrder?: readonly string[];
  progress?: ReportProgress;
}

export interface LearnedBpe {
  /** Tokens by id. */
  vocab: string[];
  /** Merges by rank, as [left, right] token strings. */
  merges: [string, string][];
}

// Pair (left, right) as one number; ids stay below 2^24 (the vocabSize limit), so keys stay below 2^48.
const SHIFT = 2 ** 24;
const REPORT_EVERY = 256;

export function learnBpe(wordCounts: Map<string, number>, config: BpeLearnConfig): LearnedBpe {
  const idToToken: string[] = [];
  const tokenToId = new Map<string, number>();
  const register = (token: string): number => {
    let id = tokenToId.get(token);
    if (id === undefined) {
      id = idToToken.length;
      idToToken.push(token);
      tokenToId.set(token, id);
    }
    return id;
  };

  for (const token of config.specialTokens) register(token);
  for (const char of computeAlphabet(wordCounts, config)) register(char);

  const { symbols, starts, lengths, counts } = tokenizeWords(wordCounts, config, tokenToId, register);
  if (idToToken.length > config.vocabSize) {
    throw new TrainerOptionError(
      'vocabSize',
      `at least ${idToToken.length} (special tokens + alphabet${prefixOrSuffix(config) ? ' + prefixed chars' : ''})`,
      config.vocabSize,
    );
  }

  // Count pairs and where they occur.
  const numWords = counts.length;
  const pairCounts = new Map<number, number>();
  let where = new Map<number, number[]>();
  for (let word = 0; word < numWords; word++) {
    const count = counts[word];
    const end = starts[word] + lengths[word];
    for (let i = starts[word]; i + 1 < end; i++) {
      const key = symbols[i] * SHIFT + symbols[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      const list = where.get(key);
      if (list === undefined) where.set(key, [word]);
      else if (list[list.length - 1] !== word) list.push(word);
    }
    if (config.progress && word % (REPORT_EVERY * 16) === 0) config.progress('count-pairs', word, numWords);
  }
  config.progress?.('count-pairs', numWords, numWords);

  const queue = new PairQueue();
  const pushChanged = () => {
    for (const [key, words] of where) {
      const count = pairCounts.get(key)!;
      if (count > 0) {
        const left = Math.floor(key / SHIFT);
        queue.push({ count, left, right: key - left * SHIFT, words });
      }
    }
    where = new Map();
  };
  pushChanged();

  // Apply one change found at a merge site: `delta` occurrences of (left, right) in `word`.
  const change = (left: number, right: number, delta: number, word: number) => {
    const key = left * SHIFT + right;
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + delta * counts[word]);
    if (delta > 0) {
      const list = where.get(key);
      if (list === undefined) where.set(key, [word]);
      else if (list[list.length - 1] !== word) list.push(word);
    }
  };

  const mergeIn = (word: number, left: number, right: number, merged: number) => {
    const start = starts[word];
    const end = start + lengths[word];
    // Compact in place: `write` trails `read`. The symbol before a site is the one already written
    // (possibly a fresh merge), the one after is still unread, exactly as in HF's Word::merge.
    let write = start;
    let read = start;
    while (read < end) {
      if (symbols[read] === left && read + 1 < end && symbols[read + 1] === right) {
        if (write > start) {
          const previous = symbols[write - 1];
          change(previous, left, -1, word);
          change(previous, merged, 1, word);
        }
        symbols[write++] = merged;
        read += 2;
        if (read < end) {
          const next = symbols[read];
          change(right, next, -1, word);
          change(merged, next, 1, word);
        }
      } else {
        symbols[write++] = symbols[read++];
      }
    }
    lengths[word] = write - start;
  };

  const prefix = config.continuingSubwordPrefix;
  const mergeRecord: number[] = []; // [left, right] of each merge, flattened
  const initialSize = idToToken.length;
  const target = config.vocabSize - initialSize;
  let steps = 0;
  while (idToToken.length < config.vocabSize) {
    const top: PairEntry | undefined = queue.pop();
    if (top === undefined) break;
    const current = pairCounts.get(top.left * SHIFT + top.right)!;
    if (top.count !== current) {
      top.count = current;
      queue.push(top);
      continue;
    }
    if (top.count < 1 || config.minFrequency > top.count) break;

    let rightPart = idToToken[top.right];
    if (prefix && rightPart.startsWith(prefix)) rightPart = rightPart.slice(prefix.length);
    const merged = register(idToToken[top.left] + rightPart);
    mergeRecord.push(top.left, top.right);
    for (const word of top.words) mergeIn(word, top.left, top.right, merged);
    pushChanged();

    if (config.progress && ++steps % REPORT_EVERY === 0) {
      config.progress('merge', idToToken.length - initialSize, target);
    }
  }
  config.progress?.('merge', idToToken.length - initialSize, target);

  return { vocab: idToToken, merges: mergesByRank(mergeRecord, idToToken) };
}

const prefixOrSuffix = (config: BpeLearnConfig) => Boolean(config.continuingSubwordPrefix || config.endOfWordSuffix);

/** Alphabet chars, sorted by code point, as HF's `compute_alphabet` keeps them. */
function computeAlphabet(wordCounts: Map<string, number>, config: BpeLearnConfig): string[] {
  const frequency = new Map<string, number>();
  for (const [word, count] of wordCounts) {
    for (const char of word) frequency.set(char, (frequency.get(char) ?? 0) + count);
  }
  for (const char of config.initialAlphabet) frequency.set(char, Infinity);
  let kept = [...frequency.keys()];
  const limit = config.limitAlphabet;
  if (limit !== undefined && kept.length > limit) {
    // Drop the rarest. HF breaks ties among equal counts arbitrarily; we drop higher code points first.
    kept.sort((a, b) => frequency.get(a)! - frequency.get(b)! || b.codePointAt(0)! - a.codePointAt(0)!);
    kept = kept.slice(kept.length - limit);
  }
  return kept.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}

/** Words as runs of symbol ids in one flat buffer; chars outside the alphabet are dropped, as in HF. */
function tokenizeWords(
  wordCounts: Map<string, number>,
  config: BpeLearnConfig,
  tokenToId: Map<string, number>,
  register: (token: string) => number,
) {
  const prefix = config.continuingSubwordPrefix ?? '';
  const suffix = config.endOfWordSuffix ?? '';
  const chars: string[][] = [];
  let total = 0;
  for (const word of wordCounts.keys()) {
    const list = [...word];
    chars.push(list);
    total += list.length;
  }

  const variant = (char: string, first: boolean, last: boolean) =>
    (first ? '' : prefix) + char + (last ? suffix : '');
  if (prefix || suffix) {
    // Register the variants before any word uses them, in a fixed order (HF's is hash-map order).
    const variants = new Set<string>();
    for (const list of chars) {
      list.forEach((char, i) => {
        const token = variant(char, i === 0, i === list.length - 1);
        if (tokenToId.has(char) && token !== char) variants.add(token);
      });
    }
    for (const token of config.variantOrder ?? []) if (variants.has(token)) register(token);
    for (const token of [...variants].sort(byCodePoints)) register(token);
  }

  const symbols = new Int32Array(total);
  const starts = new Int32Array(chars.length);
  const lengths = new Int32Array(chars.length);
  const counts = new Float64Array(chars.length);
  let offset = 0;
  let index = 0;
  for (const count of wordCounts.values()) {
    const list = chars[index];
    starts[index] = offset;
    counts[index] = count;
    for (let i = 0; i < list.length; i++) {
      if (!tokenToId.has(list[i])) continue;
      symbols[offset++] = tokenToId.get(variant(list[i], i === 0, i === list.length - 1))!;
    }
    lengths[index] = offset - starts[index];
    index++;
  }
  return { symbols, starts, lengths, counts };
}

function byCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Merge list by rank; a pair merged twice keeps its later rank, as HF's merge map does. */
function mergesByRank(record: number[], idToToken: string[]): [string, string][] {
  const seen = new Set<number>();
  const merges: [string, string][] = [];
  for (let i = record.length - 2; i >= 0; i -= 2) {
    const key = record[i] * SHIFT + record[i + 1];
    if (seen.has(key)) continue;
    seen.add(key);
    merges.push([idToToken[record[i]], idToToken[record[i + 1]]]);
  }
  return merges.reverse();
}
