import type { Side } from './encoding.js';
import { TokenizerConfigError, TokenizerOptionError } from './errors.js';
import { asInt, asLength, asObject, asString, describeValue, type JsonObject } from './json.js';
import { MAX_SEQUENCE_LENGTH } from './limits.js';

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';
export type PaddingStrategy = 'longest' | 'max_length';

/** Options of `encode`; names follow transformers' tokenizer call in camelCase. */
export interface EncodeOptions {
  /** Add the post-processor's special tokens ([CLS]/[SEP], <s>/</s>). Default true. */
  addSpecialTokens?: boolean;
  /** Second sequence (BERT sentence pairs, QA context). */
  pair?: string | null;
  /** true = 'longest_first'. Default: the tokenizer.json setting, else on when `maxLength` is given. */
  truncation?: boolean | TruncationStrategy;
  /** Length limit for truncation (special tokens included) and for `padding: 'max_length'`. */
  maxLength?: number;
  /** Overlap between overflowing windows, in tokens. */
  stride?: number;
  truncationSide?: Side;
  /** true = 'longest'. Default: the tokenizer.json setting, else none. */
  padding?: boolean | PaddingStrategy;
  padSide?: Side;
  padToMultipleOf?: number;
  /** Keep the windows cut off by truncation (in `overflowing`; `encodeBatch` returns them as rows). */
  returnOverflowing?: boolean;
}

export type BatchInput = string | readonly [string, string];
export type BatchEncodeOptions = Omit<EncodeOptions, 'pair'>;

export interface DecodeOptions {
  /** Drop special added tokens ([CLS], <|endoftext|>, …). Default false. */
  skipSpecialTokens?: boolean;
  /** transformers' clean-up of " ." " ," " 's" …; default from tokenizer_config.json, else false. */
  cleanUpTokenizationSpaces?: boolean;
}

export interface TruncationParams {
  maxLength: number;
  stride: number;
  strategy: TruncationStrategy;
  side: Side;
}

export interface PaddingParams {
  strategy: PaddingStrategy;
  maxLength: number;
  side: Side;
  padToMultipleOf: number;
  padId: number | null;
  padTypeId: number;
  padToken: string | null;
}

const STRATEGIES: Record<string, TruncationStrategy> = { LongestFirst: 'longest_first', OnlyFirst: 'only_first', OnlySecond: 'only_second' };

function sideFromJSON(value: unknown, path: string): Side {
  if (value == null || value === 'Right') return 'right';
  if (value === 'Left') return 'left';
  throw new TokenizerConfigError(path, `expected "Right" or "Left", got ${describeValue(value)}`);
}

/** tokenizer.json `truncation`. */
export function truncationFromJSON(value: unknown, path: string): TruncationParams | null {
  if (value == null) return null;
  const config = asObject(value, path);
  const strategyName = asString(config.strategy ?? 'LongestFirst', `${path}.strategy`);
  const strategy = STRATEGIES[strategyName];
  if (!strategy) throw new TokenizerConfigError(`${path}.strategy`, `expected LongestFirst, OnlyFirst or OnlySecond, got ${JSON.stringify(strategyName)}`);
  return {
    maxLength: asLength(config.max_length, `${path}.max_length`),
    stride: asLength(config.stride ?? 0, `${path}.stride`),
    strategy,
    side: sideFromJSON(config.direction, `${path}.direction`),
  };
}

/** tokenizer.json `padding`. */
export function paddingFromJSON(value: unknown, path: string): PaddingParams | null {
  if (value == null) return null;
  const config: JsonObject = asObject(value, path);
  let strategy: PaddingStrategy = 'longest';
  let maxLength = 0;
  if (config.strategy !== 'BatchLongest' && config.strategy != null) {
    const fixed = asObject(config.strategy, `${path}.strategy`);
    strategy = 'max_length';
    maxLength = asLength(fixed.Fixed, `${path}.strategy.Fixed`);
  }
  return {
    strategy,
    maxLength,
    side: sideFromJSON(config.direction, `${path}.direction`),
    padToMultipleOf: config.pad_to_multiple_of == null ? 0 : asLength(config.pad_to_multiple_of, `${path}.pad_to_multiple_of`),
    padId: config.pad_id == null ? null : asInt(config.pad_id, `${path}.pad_id`),
    padTypeId: asInt(config.pad_type_id ?? 0, `${path}.pad_type_id`),
    padToken: config.pad_token == null ? null : asString(config.pad_token, `${path}.pad_token`),
  };
}

function checkLength(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_SEQUENCE_LENGTH) {
    throw new TokenizerOptionError(option, `expected an integer in [${min}, ${MAX_SEQUENCE_LENGTH}] (2^24, the longest sequence this package pads or truncates), got ${describeValue(value)}`);
  }
  return value;
}

const ENCODE_KEYS = ['addSpecialTokens', 'pair', 'truncation', 'maxLength', 'stride', 'truncationSide', 'padding', 'padSide', 'padToMultipleOf', 'returnOverflowing'];
const BATCH_KEYS = ENCODE_KEYS.filter((key) => key !== 'pair');
const DECODE_KEYS = ['skipSpecialTokens', 'cleanUpTokenizationSpaces'];
const BOOLEAN_KEYS = new Set(['addSpecialTokens', 'returnOverflowing', 'skipSpecialTokens', 'cleanUpTokenizationSpaces']);

/**
 * Checks an options object before use: a misspelt key (`max_length`) or a wrong type would otherwise
 * be silently ignored or fail deep inside with an untyped error. Values are checked where they are
 * resolved (lengths, strategies); this checks the object itself and its boolean flags.
 */
function checkOptionsObject(options: unknown, allowed: readonly string[], what: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TokenizerOptionError(what, `expected an options object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TokenizerOptionError(key, `unknown option of ${what}; known options: ${allowed.join(', ')}`);
    const value = (options as Record<string, unknown>)[key];
    if (BOOLEAN_KEYS.has(key) && value !== undefined && typeof value !== 'boolean') {
      throw new TokenizerOptionError(key, `expected true or false, got ${describeValue(value)}`);
    }
  }
}

/** A text to encode: a string (a number or an array would otherwise fail inside with a TypeError). */
export function checkText(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TokenizerOptionError(what, `expected a string to encode, got ${describeValue(value)}`);
  return value;
}

export function checkEncodeOptions(options: unknown): EncodeOptions {
  checkOptionsObject(options, ENCODE_KEYS, 'encode');
  const pair = (options as EncodeOptions | undefined)?.pair;
  if (pair != null) checkText(pair, 'pair');
  return (options ?? {}) as EncodeOptions;
}

/** encodeIds never truncates or pads, so it takes only `addSpecialTokens` (others would be ignored). */
export function checkEncodeIdsOptions(options: unknown): void {
  checkOptionsObject(options, ['addSpecialTokens'], 'encodeIds');
}

export function checkBatchOptions(options: unknown): BatchEncodeOptions {
  checkOptionsObject(options, BATCH_KEYS, 'encodeBatch');
  return (options ?? {}) as BatchEncodeOptions;
}

export function checkStreamOptions(options: unknown): void {
  checkOptionsObject(options, ['skipSpecialTokens'], 'createStreamDecoder');
}

export function checkDecodeOptions(options: unknown): DecodeOptions {
  checkOptionsObject(options, DECODE_KEYS, 'decode');
  return (options ?? {}) as DecodeOptions;
}

/** encodeBatch inputs: an array of strings and `[text, pair]` tuples. */
export function checkBatchInputs(inputs: unknown): readonly BatchInput[] {
  if (!Array.isArray(inputs)) throw new TokenizerOptionError('inputs', `expected an array of texts or [text, pair] tuples, got ${describeValue(inputs)}`);
  inputs.forEach((input: unknown, k) => {
    if (typeof input === 'string') return;
    if (!Array.isArray(input) || input.length !== 2 || typeof input[0] !== 'string' || typeof input[1] !== 'string') {
      throw new TokenizerOptionError(`inputs[${k}]`, `expected a string or a [text, pair] tuple of two strings, got ${describeValue(input)}`);
    }
  });
  return inputs as BatchInput[];
}

function checkSide(option: string, value: unknown): Side | undefined {
  if (value === undefined || value === 'right' || value === 'left') return value;
  throw new TokenizerOptionError(option, `expected 'right' or 'left', got ${describeValue(value)}`);
}

/** Merges call options with the tokenizer.json defaults (HF Rust applies those unless told otherwise). */
export function resolveTruncation(options: EncodeOptions, defaults: TruncationParams | null, modelMaxLength: number | null): TruncationParams | null {
  const { truncation } = options;
  if (truncation === false) return null;
  if (truncation === undefined && options.maxLength === undefined && defaults === null) return null;
  let strategy: TruncationStrategy;
  if (truncation === undefined || truncation === true) strategy = defaults?.strategy ?? 'longest_first';
  else if (truncation === 'longest_first' || truncation === 'only_first' || truncation === 'only_second') strategy = truncation;
  else throw new TokenizerOptionError('truncation', `expected true, false, 'longest_first', 'only_first' or 'only_second', got ${describeValue(truncation)}`);
  const maxLength = options.maxLength ?? defaults?.maxLength ?? modelMaxLength;
  if (maxLength == null) throw new TokenizerOptionError('maxLength', 'truncation needs a maxLength (the tokenizer defines no model_max_length)');
  return {
    maxLength: checkLength('maxLength', maxLength, 0),
    stride: checkLength('stride', options.stride ?? defaults?.stride ?? 0, 0),
    strategy,
    side: checkSide('truncationSide', options.truncationSide) ?? defaults?.side ?? 'right',
  };
}

export function resolvePadding(options: EncodeOptions, defaults: PaddingParams | null): PaddingParams | null {
  const { padding } = options;
  if (padding === false) return null;
  if (padding === undefined && defaults === null) return null;
  let strategy: PaddingStrategy;
  if (padding === undefined) strategy = defaults!.strategy;
  else if (padding === true || padding === 'longest') strategy = 'longest';
  else if (padding === 'max_length') strategy = 'max_length';
  else throw new TokenizerOptionError('padding', `expected true, false, 'longest' or 'max_length', got ${describeValue(padding)}`);
  let maxLength = 0;
  if (strategy === 'max_length') {
    const length = options.maxLength ?? (defaults?.strategy === 'max_length' ? defaults.maxLength : undefined);
    if (length === undefined) throw new TokenizerOptionError('maxLength', "padding: 'max_length' needs a maxLength");
    maxLength = checkLength('maxLength', length, 0);
  }
  return {
    strategy,
    maxLength,
    side: checkSide('padSide', options.padSide) ?? defaults?.side ?? 'right',
    padToMultipleOf: checkLength('padToMultipleOf', options.padToMultipleOf ?? defaults?.padToMultipleOf ?? 0, 0),
    padId: defaults?.padId ?? null,
    padTypeId: defaults?.padTypeId ?? 0,
    padToken: defaults?.padToken ?? null,
  };
}
