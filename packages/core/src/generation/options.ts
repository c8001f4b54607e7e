import { GenerationConfigError, InputError, UnsupportedError } from '../errors.js';
import { type IdsLike, checkOptions } from '../inputs.js';
import type { CausalLM, GenerationTokenizer } from './decoder.js';
import type { GenerationStreamer } from './streaming.js';

/** Hugging Face's `early_stopping`: stop at `numBeams` finished hypotheses, use a heuristic, or never stop early. */
export type EarlyStopping = boolean | 'never';

/**
 * `generate` options: Hugging Face's `GenerationConfig` names in camelCase, with the same meanings
 * and defaults. Unset options come from the model's `generation_config.json`, then from Hugging Face's
 * defaults. See docs/generation.md for the table.
 */
export interface GenerateOptions {
  maxNewTokens?: number;
  /** Prompt (padded) + new tokens; used only when `maxNewTokens` is not given. Default 20, as HF. */
  maxLength?: number;
  minNewTokens?: number;
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  typicalP?: number;
  repetitionPenalty?: number;
  noRepeatNgramSize?: number;
  badWordsIds?: readonly (readonly number[])[];
  forcedEosTokenId?: number | readonly number[];
  eosTokenId?: number | readonly number[];
  padTokenId?: number;
  numBeams?: number;
  lengthPenalty?: number;
  earlyStopping?: EarlyStopping;
  numReturnSequences?: number;
  useCache?: boolean;
  /** Seeds sampling (any integer); the same seed gives the same draws on every engine. Default: random. */
  seed?: number;
  /** Also return each generated token's log-probability (and, with beams, each sequence's score). */
  outputScores?: boolean;
  /** Stop a row once its text contains one of these (needs `tokenizer`). */
  stopStrings?: string | readonly string[];
  tokenizer?: GenerationTokenizer;
  /** Streamed text leaves out special tokens (needs `tokenizer`). Default false. */
  skipSpecialTokens?: boolean;
  /** Receives every step's tokens (and text, with a tokenizer) as they are generated. */
  streamer?: GenerationStreamer;
  /** Aborting it stops generation with an `AbortError`; the session is freed either way. */
  signal?: AbortSignal;
  /** For a padded batch (e.g. a tokenizer's): 1 marks the real tokens of `inputIds`, 0 the padding. */
  attentionMask?: IdsLike;
}

/** Every option resolved: defaults filled in, lists normalised, values checked. */
export interface GenerationConfig {
  maxNewTokens: number;
  minNewTokens: number;
  doSample: boolean;
  temperature: number;
  topK: number;
  topP: number;
  minP: number | undefined;
  typicalP: number;
  repetitionPenalty: number;
  noRepeatNgramSize: number;
  badWordsIds: number[][];
  forcedEosTokenId: number[];
  eosTokenId: number[];
  padTokenId: number;
  numBeams: number;
  lengthPenalty: number;
  earlyStopping: EarlyStopping;
  numReturnSequences: number;
  useCache: boolean;
  seed: number;
  outputScores: boolean;
  stopStrings: string[];
  tokenizer: GenerationTokenizer | undefined;
  skipSpecialTokens: boolean;
  streamer: GenerationStreamer | undefined;
  signal: AbortSignal | undefined;
}

/** Options that `generation_config.json` may set (camelCase of its snake_case fields). */
const CONFIG_KEYS = [
  'maxNewTokens', 'maxLength', 'minNewTokens', 'doSample', 'temperature', 'topK', 'topP', 'minP', 'typicalP',
  'repetitionPenalty', 'noRepeatNgramSize', 'badWordsIds', 'forcedEosTokenId', 'eosTokenId', 'padTokenId',
  'numBeams', 'lengthPenalty', 'earlyStopping', 'numReturnSequences', 'useCache', 'outputScores', 'stopStrings',
] as const;

export const GENERATE_OPTIONS: readonly string[] = [
  ...CONFIG_KEYS, 'seed', 'tokenizer', 'skipSpecialTokens', 'streamer', 'signal', 'attentionMask',
];

/** Options that only change sampling; HF ignores them (with a warning) in greedy and beam search, we refuse them. */
const SAMPLING_ONLY = ['temperature', 'topK', 'topP', 'minP', 'typicalP', 'seed'] as const;
const BEAM_ONLY = ['lengthPenalty', 'earlyStopping'] as const;

/** Hugging Face `GenerationConfig` defaults. */
const HF_DEFAULTS = {
  maxLength: 20,
  doSample: false,
  temperature: 1,
  topK: 50,
  topP: 1,
  typicalP: 1,
  repetitionPenalty: 1,
  noRepeatNgramSize: 0,
  numBeams: 1,
  lengthPenalty: 1,
  earlyStopping: false as EarlyStopping,
  numReturnSequences: 1,
  useCache: true,
  outputScores: false,
};

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The model's generation_config.json values under their camelCase names; unknown fields are not options and are skipped. */
function configDefaults(model: CausalLM): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(model.generationConfig ?? {})) {
    const name = camelCase(key);
    if (value !== null && value !== undefined && (CONFIG_KEYS as readonly string[]).includes(name)) out[name] = value;
  }
  return out;
}

/**
 * Resolves `options` over the model's generation config and Hugging Face's defaults, and checks
 * them. `promptLength` is the padded prompt length, which `maxLength` and the position table count.
 */
export function resolveGenerationConfig(model: CausalLM, options: GenerateOptions, promptLength: number): GenerationConfig {
  checkOptions(options, GENERATE_OPTIONS, 'generate');
  const fromConfig = configDefaults(model);
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...fromConfig, ...given };
  const where = (name: string) => (name in given ? `generate option ${name}` : `generation_config.json's ${name}`);
  const v = new Validator(merged, where, model.vocabSize);

  const doSample = v.boolean('doSample', HF_DEFAULTS.doSample);
  const numBeams = v.integer('numBeams', HF_DEFAULTS.numBeams, 1);
  for (const name of SAMPLING_ONLY) {
    if (name in given && !doSample) throw new GenerationConfigError(`generate option ${name} only applies when sampling; set doSample: true`);
  }
  for (const name of BEAM_ONLY) {
    if (name in given && numBeams === 1) throw new GenerationConfigError(`generate option ${name} only applies to beam search; set numBeams > 1`);
  }

  const eosTokenId = v.tokenList('eosTokenId');
  const config: GenerationConfig = {
    maxNewTokens: maxNewTokens(v, given, fromConfig, promptLength, model.maxPositions),
    minNewTokens: v.integer('minNewTokens', 0, 0),
    doSample,
    // Sampling and beam settings in generation_config.json only count (and are only checked) when
    // that mode is on: configs carry e.g. temperature 0 next to do_sample false.
    temperature: doSample ? v.number('temperature', HF_DEFAULTS.temperature, (x) => x > 0, 'a number > 0 (use doSample: false for greedy)') : 1,
    topK: doSample ? v.integer('topK', HF_DEFAULTS.topK, 0) : 0,
    topP: doSample ? v.number('topP', HF_DEFAULTS.topP, (x) => x >= 0 && x <= 1, 'a number in [0, 1]') : 1,
    minP: doSample && merged.minP !== undefined ? v.number('minP', 0, (x) => x >= 0 && x <= 1, 'a number in [0, 1]') : undefined,
    typicalP: doSample ? v.number('typicalP', HF_DEFAULTS.typicalP, (x) => x > 0 && x <= 1, 'a number in (0, 1]') : 1,
    repetitionPenalty: v.number('repetitionPenalty', HF_DEFAULTS.repetitionPenalty, (x) => x > 0, 'a number > 0'),
    noRepeatNgramSize: v.integer('noRepeatNgramSize', HF_DEFAULTS.noRepeatNgramSize, 0),
    // HF drops bad words that are exactly one eos token: banning eos outright is what minNewTokens is for.
    badWordsIds: v.badWords().filter((seq) => !(seq.length === 1 && eosTokenId.includes(seq[0]!))),
    forcedEosTokenId: v.tokenList('forcedEosTokenId'),
    eosTokenId,
    padTokenId: merged.padTokenId === undefined ? (eosTokenId[0] ?? 0) : v.token('padTokenId'),
    numBeams,
    lengthPenalty: numBeams > 1 ? v.number('lengthPenalty', HF_DEFAULTS.lengthPenalty, Number.isFinite, 'a finite number') : 1,
    earlyStopping: numBeams > 1 ? v.earlyStopping() : false,
    numReturnSequences: v.integer('numReturnSequences', HF_DEFAULTS.numReturnSequences, 1),
    useCache: v.boolean('useCache', HF_DEFAULTS.useCache),
    seed: merged.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : v.integer('seed', 0, Number.MIN_SAFE_INTEGER),
    outputScores: v.boolean('outputScores', HF_DEFAULTS.outputScores),
    stopStrings: v.stopStrings(),
    tokenizer: v.tokenizer(),
    skipSpecialTokens: v.boolean('skipSpecialTokens', false),
    streamer: v.streamer(),
    signal: v.signal(),
  };
  checkCombinations(config, given);
  return config;
}

function checkCombinations(config: GenerationConfig, given: Record<string, unknown>): void {
  const { numBeams, numReturnSequences } = config;
  if (numReturnSequences > 1 && numBeams === 1 && !config.doSample) {
    throw new GenerationConfigError(`generate: numReturnSequences = ${numReturnSequences} needs sampling (doSample: true) or beam search (numBeams > 1); greedy search returns one sequence`);
  }
  if (numBeams > 1 && numReturnSequences > numBeams) {
    throw new GenerationConfigError(`generate: numReturnSequences = ${numReturnSequences} is more than numBeams = ${numBeams}`);
  }
  if (numBeams > 1 && config.streamer !== undefined) throw new UnsupportedError('generate: streaming is not supported with beam search (numBeams > 1)');
  if (numBeams > 1 && config.stopStrings.length > 0) throw new UnsupportedError('generate: stopStrings is not supported with beam search (numBeams > 1)');
  if (config.stopStrings.length > 0 && config.tokenizer === undefined) {
    throw new GenerationConfigError('generate: stopStrings needs a tokenizer (pass the tokenizer option)');
  }
  if ('skipSpecialTokens' in given && config.tokenizer === undefined) {
    throw new GenerationConfigError('generate: skipSpecialTokens needs a tokenizer (pass the tokenizer option)');
  }
  if ('minNewTokens' in given && config.minNewTokens > 0 && config.eosTokenId.length === 0) {
    throw new GenerationConfigError('generate: minNewTokens only suppresses eosTokenId, which is not set');
  }
}

/** HF: `maxNewTokens` wins over `maxLength`; `maxLength` counts the prompt. Bounded by the position table. */
function maxNewTokens(v: Validator, given: Record<string, unknown>, fromConfig: Record<string, unknown>, promptLength: number, maxPositions: number): number {
  if ('maxNewTokens' in given && 'maxLength' in given) {
    throw new GenerationConfigError('generate: give maxNewTokens or maxLength, not both');
  }
  if (promptLength >= maxPositions) {
    throw new InputError(`generate: the prompt has ${promptLength} positions, which leaves none of the model's ${maxPositions} for new tokens`);
  }
  let wanted: number;
  if ('maxNewTokens' in given || (!('maxLength' in given) && 'maxNewTokens' in fromConfig)) {
    wanted = v.integer('maxNewTokens', 0, 1);
  } else {
    const maxLength = v.integer('maxLength', HF_DEFAULTS.maxLength, 1);
    wanted = maxLength - promptLength;
    if (wanted < 1) throw new GenerationConfigError(`generate: maxLength = ${maxLength} leaves no room after the ${promptLength}-token prompt; set maxNewTokens`);
  }
  const room = maxPositions - promptLength;
  // Asked for by name, more than fits is an error; a default length (maxLength, a config file's) is bounded.
  if ('maxNewTokens' in given && wanted > room) {
    throw new InputError(`generate: maxNewTokens = ${wanted} after a ${promptLength}-position prompt exceeds the model's ${maxPositions} positions (at most ${room})`);
  }
  return Math.min(wanted, room);
}

/** Reads and checks one option at a time, naming it (and where it came from) in errors. */
class Validator {
  constructor(
    private readonly values: Record<string, unknown>,
    private readonly where: (name: string) => string,
    private readonly vocabSize: number,
  ) {}

  private fail(name: string, expected: string): never {
    throw new GenerationConfigError(`${this.where(name)} = ${show(this.values[name])} must be ${expected}`);
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.values[name] ?? fallback;
    if (typeof value !== 'boolean') this.fail(name, 'true or false');
    return value;
  }

  integer(name: string, fallback: number, min: number): number {
    const value = this.values[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) this.fail(name, `an integer ≥ ${min}`);
    return value;
  }

  number(name: string, fallback: number, ok: (x: number) => boolean, expected: string): number {
    const value = this.values[name] ?? fallback;
    if (typeof value !== 'number' || Number.isNaN(value) || !ok(value)) this.fail(name, expected);
    return value;
  }

  private isToken(value: unknown): value is number {
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < this.vocabSize;
  }

  token(name: string): number {
    const value = this.values[name];
    if (!this.isToken(value)) this.fail(name, `a token id in 0..${this.vocabSize - 1}`);
    return value;
  }

  /** One id or several (HF accepts both for eos and forced eos). */
  tokenList(name: string): number[] {
    const value = this.values[name];
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((id) => this.isToken(id))) this.fail(name, `a token id or a list of token ids in 0..${this.vocabSize - 1}`);
    return [...new Set(list as number[])];
  }

  badWords(): number[][] {
    const value = this.values.badWordsIds;
    if (value === undefined) return [];
    const ok = Array.isArray(value) && value.every((seq) => Array.isArray(seq) && seq.length > 0 && seq.every((id) => this.isToken(id)));
    if (!ok) this.fail('badWordsIds', `a list of non-empty lists of token ids in 0..${this.vocabSize - 1}`);
    return (value as number[][]).map((seq) => [...seq]);
  }

  earlyStopping(): EarlyStopping {
    const value = this.values.earlyStopping ?? HF_DEFAULTS.earlyStopping;
    if (value !== true && value !== false && value !== 'never') this.fail('earlyStopping', "true, false or 'never'");
    return value;
  }

  stopStrings(): string[] {
    const value = this.values.stopStrings;
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((s) => typeof s === 'string' && s.length > 0)) this.fail('stopStrings', 'a non-empty string or a list of them');
    return list as string[];
  }

  tokenizer(): GenerationTokenizer | undefined {
    const value = this.values.tokenizer as GenerationTokenizer | undefined;
    if (value === undefined) return undefined;
    if (typeof value.decode !== 'function' || typeof value.createStreamDecoder !== 'function') {
      this.fail('tokenizer', 'a tokenizer with decode() and createStreamDecoder() (a Tokenizer from @attnjs/tokenizers)');
    }
    return value;
  }

  streamer(): GenerationStreamer | undefined {
    const value = this.values.streamer as GenerationStreamer | undefined;
    if (value === undefined) return undefined;
    if (typeof value.put !== 'function') this.fail('streamer', 'an object with a put(chunk) method');
    return value;
  }

  signal(): AbortSignal | undefined {
    const value = this.values.signal as AbortSignal | undefined;
    if (value === undefined) return undefined;
    if (typeof value.aborted !== 'boolean') this.fail('signal', 'an AbortSignal');
    return value;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return JSON.stringify(value);
  if (value !== null && typeof value === 'object') return `[${value.constructor?.name ?? 'object'}]`;
  return String(value);
}
