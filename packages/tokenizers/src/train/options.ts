import { TrainerOptionError } from './errors.js';
import { progressReporter, type ReportProgress } from './progress.js';

/** What a trainer reports while it runs. `total` is undefined while it is not known yet (reading). */
export interface TrainProgress {
  phase: 'read' | 'count-pairs' | 'merge';
  done: number;
  total: number | undefined;
}

/** Options every trainer shares. */
export interface TrainOptions {
  /** Target size of the vocabulary, special tokens included (HF default 30000). */
  vocabSize?: number;
  /** A pair is merged only while its count is at least this; training stops at the first pair below it. */
  minFrequency?: number;
  /** Tokens put first in the vocabulary (ids 0, 1, …) and registered as special added tokens. */
  specialTokens?: readonly string[];
  /** Characters kept in the alphabet even if the corpus lacks them (one code point each). */
  initialAlphabet?: readonly string[];
  /** Keep at most this many characters in the alphabet, dropping the rarest (initial alphabet first-kept). */
  limitAlphabet?: number;
  /** Called as training advances: reading the corpus, counting pairs, merging. */
  onProgress?: (progress: TrainProgress) => void;
  /** Log progress to the console (default false). */
  showProgress?: boolean;
}

/** The option names of `TrainOptions`, which every trainer accepts. */
export const TRAIN_OPTION_NAMES = [
  'vocabSize',
  'minFrequency',
  'specialTokens',
  'initialAlphabet',
  'limitAlphabet',
  'onProgress',
  'showProgress',
] as const;

/** Throws on option names no trainer knows: a misspelt option must not be silently ignored. */
export function checkKnownOptions(options: object, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new TrainerOptionError(name, `one of ${known.join(', ')} (unknown option)`, name);
    }
  }
}

export function integerOption(name: string, value: unknown, fallback: number, min: number, max = 2 ** 24): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TrainerOptionError(name, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

export function optionalIntegerOption(name: string, value: unknown, min: number): number | undefined {
  return value === undefined ? undefined : integerOption(name, value, 0, min, Number.MAX_SAFE_INTEGER);
}

export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TrainerOptionError(name, 'a boolean', value);
  return value;
}

export function stringOption(name: string, value: unknown, fallback: string, allowEmpty = false): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    throw new TrainerOptionError(name, allowEmpty ? 'a string' : 'a non-empty string', value);
  }
  return value;
}

/** Special tokens: non-empty, distinct strings. */
export function specialTokensOption(value: unknown, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value)) throw new TrainerOptionError('specialTokens', 'an array of strings', value);
  const seen = new Set<string>();
  for (const token of value) {
    if (typeof token !== 'string' || token.length === 0) {
      throw new TrainerOptionError('specialTokens', 'an array of non-empty strings', token);
    }
    if (seen.has(token)) throw new TrainerOptionError('specialTokens', 'an array of distinct strings', token);
    seen.add(token);
  }
  return value as string[];
}

/** The initial alphabet: single code points (HF keeps only the first char of longer strings; we refuse them). */
export function alphabetOption(value: unknown, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value)) throw new TrainerOptionError('initialAlphabet', 'an array of single characters', value);
  for (const char of value) {
    if (typeof char !== 'string' || [...char].length !== 1) {
      throw new TrainerOptionError('initialAlphabet', 'an array of single characters (one code point each)', char);
    }
  }
  return value as string[];
}

/** The progress sink the options ask for (callback, console, both, or none). */
export function progressFromOptions(options: TrainOptions): ReportProgress | undefined {
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new TrainerOptionError('onProgress', 'a function', options.onProgress);
  }
  return progressReporter(options.onProgress, booleanOption('showProgress', options.showProgress, false));
}
