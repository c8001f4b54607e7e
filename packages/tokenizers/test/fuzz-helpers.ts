import { TokenizerError } from '../src/index.js';

/**
 * Seeded, bounded fuzzing. `pnpm test` runs a few thousand cases per target; a long run sets
 * `ATTN_FUZZ_CASES=1000000` (cases per target) and optionally `ATTN_FUZZ_SEED`. Case k of a run uses
 * its own generator seeded from (seed, k), so a failure is replayed with `ATTN_FUZZ_SEED=<seed>
 * ATTN_FUZZ_ONLY=<k>`.
 */
export const FUZZ_SEED = Number(process.env.ATTN_FUZZ_SEED ?? 20261202);
const ONLY = process.env.ATTN_FUZZ_ONLY === undefined ? null : Number(process.env.ATTN_FUZZ_ONLY);

export function fuzzCases(defaultCases: number): number {
  const requested = Number(process.env.ATTN_FUZZ_CASES);
  return Number.isInteger(requested) && requested > 0 ? requested : defaultCases;
}

/** vitest timeout for a run of `cases` cases (generous: a hang is caught by the per-case budget). */
export function fuzzTimeout(cases: number): number {
  return 120_000 + cases * 20;
}

/**
 * A case slower than this fails as a hang. Typical cases take well under a millisecond; the budget
 * only has to separate "slow because the machine is busy" from "never finishes" (the inputs this
 * replaced ran for minutes).
 */
export const CASE_BUDGET_MS = 5_000;

/** mulberry32: a tiny, fast, well-mixed 32-bit generator. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 2 ** 32) * n);
  }
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

export interface FuzzReport {
  cases: number;
  /** Per kind of step (`fromJSON`, `encode`, …): how many returned, and TokenizerErrors by class name. */
  steps: Record<string, { results: number; errors: Record<string, number> }>;
  failures: string[];
  slowestMs: number;
}

/** What a case reports for each step it runs. */
export interface FuzzStep {
  /** Runs `fn`; a TokenizerError is an accepted outcome and returns undefined; anything else fails the case. */
  attempt<T>(kind: string, label: () => string, fn: () => T): T | undefined;
}

class CaseFailure extends Error {}

/**
 * Runs `cases` cases; each must end in results or TokenizerErrors only, within `CASE_BUDGET_MS`.
 * Invariant violations inside a case are reported by throwing a plain Error from the step.
 */
export function runFuzz(name: string, cases: number, fuzzCase: (rng: Rng, step: FuzzStep, k: number) => void): FuzzReport {
  const report: FuzzReport = { cases: 0, steps: {}, failures: [], slowestMs: 0 };
  for (let k = 0; k < cases && report.failures.length < 5; k++) {
    if (ONLY !== null && k !== ONLY) continue;
    const rng = new Rng(Math.imul(FUZZ_SEED, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77));
    const trail: Array<() => string> = [];
    const steps = () => trail.map((label) => label()).join(' | ').slice(0, 2000);
    const step: FuzzStep = {
      attempt(kind, label, fn) {
        trail.push(label);
        const counts = (report.steps[kind] ??= { results: 0, errors: {} });
        try {
          const value = fn();
          counts.results++;
          return value;
        } catch (error) {
          if (error instanceof TokenizerError) {
            counts.errors[error.name] = (counts.errors[error.name] ?? 0) + 1;
            return undefined;
          }
          throw new CaseFailure(`${label()}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
        }
      },
    };
    const start = performance.now();
    try {
      fuzzCase(rng, step, k);
    } catch (error) {
      const where = (error as Error).stack?.split('\n').slice(1, 4).join(' ') ?? '';
      const message = error instanceof CaseFailure ? error.message : `invariant: ${(error as Error).message} ${where}`;
      report.failures.push(`${name} case ${k} (seed ${FUZZ_SEED}): ${message}\n  steps: ${steps()}`);
    }
    const elapsed = performance.now() - start;
    report.slowestMs = Math.max(report.slowestMs, elapsed);
    if (elapsed > CASE_BUDGET_MS) {
      report.failures.push(`${name} case ${k} (seed ${FUZZ_SEED}) took ${elapsed.toFixed(0)} ms (budget ${CASE_BUDGET_MS} ms)\n  steps: ${steps()}`);
    }
    report.cases++;
  }
  const steps = Object.entries(report.steps).map(([kind, { results, errors }]) => {
    const named = Object.entries(errors).map(([error, count]) => `${error} ${count}`);
    return `  ${kind}: ${results} results${named.length > 0 ? `, ${named.join(', ')}` : ''}`;
  });
  console.log(
    `fuzz ${name}: ${report.cases} cases (seed ${FUZZ_SEED}), slowest ${report.slowestMs.toFixed(1)} ms, ${report.failures.length} failures\n${steps.join('\n')}`,
  );
  return report;
}

/** A short, safe description of any value for failure reports (bigints, deep nesting, typed arrays). */
export function show(value: unknown, depth = 0): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return String(value);
  if (depth > 3) return '…';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}[${Array.from(value as unknown as ArrayLike<number>).slice(0, 8).join(', ')}]`;
  if (Array.isArray(value)) return `[${value.slice(0, 8).map((v) => show(v, depth + 1)).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  const keys = Object.keys(value);
  return `{${keys.slice(0, 8).map((k) => `${k}: ${show((value as Record<string, unknown>)[k], depth + 1)}`).join(', ')}${keys.length > 8 ? ', …' : ''}}`;
}

// ---- hostile values ----

const NUMBERS = [0, 1, 2, 3, 7, 100, 512, -1, -0, 0.5, 1.5, 2 ** 24 + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

/** A number a length, id or count field may be given: small and valid, at a bound, or absurd. */
export function hostileNumber(rng: Rng): number {
  return rng.chance(0.3) ? rng.int(40) : rng.pick(NUMBERS);
}

const CHAR_POOL = ['a', 'b', 'e', 'l', 'o', ' ', '  ', '\n', '\t', '.', ',', "'", '!', '#', '##', 'Ġ', 'é', 'ß', 'İ', '中', '文', 'ｱ', '\u0301', '\u200b', '\u0000', '\ud800', '\udc00', '😀', '👩‍👩‍👧', '\u{10ffff}', '[CLS]', '[SEP]', '[MASK]', '[UNK]', '<|endoftext|>', '##ing', 'Hello', 'world', '123', 'ﬁ', '\r\n', '\u00a0', '\u3000'];

/** A short random text mixing ASCII, accents, CJK, emoji, control and lone surrogates, special-token spellings. */
export function randomText(rng: Rng, maxPieces = 12): string {
  const pieces = rng.int(maxPieces + 1);
  let text = '';
  for (let i = 0; i < pieces; i++) {
    text += rng.chance(0.15) ? String.fromCharCode(rng.int(0x10000)) : rng.pick(CHAR_POOL);
  }
  return text;
}

/** A value of any JSON-ish type, hostile more often than not. */
export function hostileValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 9)) {
    case 0:
      return hostileNumber(rng);
    case 1:
      return rng.pick([null, undefined, true, false]);
    case 2:
      return randomText(rng, 4);
    case 3:
      return rng.pick(['', 'BPE', 'WordPiece', 'Sequence', 'Split', 'Regex', 'String', '[UNK]', 'Isolated', 'Right', 'Left', 'x'.repeat(5000), '__proto__', 'constructor', 'toString']);
    case 4:
      return rng.pick([[], {}, [[]], { type: null }, JSON.parse('{"__proto__": {"type": "BPE"}}')]);
    case 5:
      return deeplyNested(rng);
    case 6:
      return Array.from({ length: rng.int(4) }, () => hostileValue(rng, depth + 1));
    case 7: {
      const obj: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) obj[rng.pick(FIELD_NAMES)] = hostileValue(rng, depth + 1);
      return obj;
    }
    default:
      return { type: rng.pick(COMPONENT_TYPES), ...(hostileValue(rng, depth + 1) as object) };
  }
}

function deeplyNested(rng: Rng): unknown {
  let value: unknown = hostileNumber(rng);
  const depth = rng.pick([10, 100, 5_000]);
  for (let i = 0; i < depth; i++) value = rng.chance(0.5) ? [value] : { [rng.pick(FIELD_NAMES)]: value };
  return value;
}

/** Field names used by tokenizer.json components (so random objects hit real code paths). */
export const FIELD_NAMES = [
  'type', 'pattern', 'behavior', 'invert', 'content', 'prepend', 'replacement', 'prepend_scheme', 'split', 'add_prefix_space',
  'trim_offsets', 'use_regex', 'strip_left', 'strip_right', 'lowercase', 'clean_text', 'handle_chinese_chars', 'strip_accents',
  'individual_digits', 'delimiter', 'start', 'stop', 'prefix', 'cleanup', 'suffix', 'normalizers', 'pretokenizers', 'decoders',
  'processors', 'single', 'pair', 'special_tokens', 'sep', 'cls', 'vocab', 'merges', 'unk_token', 'continuing_subword_prefix',
  'end_of_word_suffix', 'fuse_unk', 'byte_fallback', 'ignore_merges', 'dropout', 'max_input_chars_per_word', 'id', 'ids', 'tokens',
  'type_id', 'String', 'Regex', 'Fixed', 'strategy', 'max_length', 'stride', 'direction', 'pad_id', 'pad_token', 'pad_type_id',
  'pad_to_multiple_of', 'SpecialToken', 'Sequence',
];

/** Component types of every family, plus some that do not exist. */
export const COMPONENT_TYPES = [
  'BPE', 'WordPiece', 'WordLevel', 'Unigram', 'BertNormalizer', 'Lowercase', 'StripAccents', 'Strip', 'Prepend', 'Replace', 'NFC',
  'NFD', 'NFKC', 'NFKD', 'Sequence', 'Precompiled', 'ByteLevel', 'BertPreTokenizer', 'Whitespace', 'WhitespaceSplit', 'Punctuation',
  'Digits', 'Split', 'Metaspace', 'CharDelimiterSplit', 'TemplateProcessing', 'BertProcessing', 'RobertaProcessing', 'BPEDecoder',
  'Fuse', 'ByteFallback', 'CTC', '', 'sequence', 'Nope',
];

const REGEX_ATOMS = ['a', 'b', ' ', '.', '\\s', '\\S', '\\w', '\\d', '\\p{L}', '\\p{N}', '[ab]', '[^a]', '[\\r\\n]', '^', '$', '\\b', "'s", '\\1', '\\k<x>', '(', ')', '[', '\\', '{2}', '\\u{1F600}', 'é', '中'];
const REGEX_QUANTIFIERS = ['', '', '', '*', '+', '?', '{2}', '{1,3}', '{2,}', '*?', '+?', '{0,100000}'];

/** A random regex: mostly valid, some unsafe (nested repetition), some not compilable. */
export function randomRegex(rng: Rng, depth = 0): string {
  if (rng.chance(0.1)) {
    return rng.pick(['(a+)+$', '(a|a)*b', '(a|aa)+$', '(.*a){3}', '(\\s*\\s*)*x', '(?:a?){30}a{30}', 'a*a*a*b', '(?<x>a)\\k<x>', '\\s+(?!\\S)|\\s+', '(?i:ab)+', '(?i:\'s|\'t)|\\p{L}+']);
  }
  let out = '';
  const items = 1 + rng.int(4);
  for (let i = 0; i < items; i++) {
    let atom: string;
    if (depth < 3 && rng.chance(0.25)) {
      const open = rng.pick(['(', '(?:', '(?=', '(?!', '(?<=', '(?<n>']);
      atom = `${open}${randomRegex(rng, depth + 1)}${rng.chance(0.3) ? `|${randomRegex(rng, depth + 1)}` : ''})`;
    } else {
      atom = rng.pick(REGEX_ATOMS);
    }
    out += atom + rng.pick(REGEX_QUANTIFIERS);
  }
  return rng.chance(0.2) ? `${out}|${randomRegex(rng, depth + 1)}` : out;
}
