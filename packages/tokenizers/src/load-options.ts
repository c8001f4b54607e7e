import { TokenizerOptionError } from './errors.js';
import { describeValue } from './json.js';
import { isIntegerIn, MAX_TOKEN_ID } from './limits.js';

/**
 * Type checks of the options given when a tokenizer is built (`fromJSON`, `fromBPEFiles`,
 * `fromWordPieceVocab`, the constructor): a token that is not a string, or an `addedTokens` that is not
 * a list, would otherwise fail deep inside with a TypeError (or, for a deeply nested object, a stack
 * overflow while quoting it in a message).
 */
type Check = (value: unknown) => string | null;

const isBoolean: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const isString: Check = (v) => (typeof v === 'string' ? null : 'a string');
const isStringOrNull: Check = (v) => (v === null || typeof v === 'string' ? null : 'a string or null');
const isBooleanOrNull: Check = (v) => (v === null || typeof v === 'boolean' ? null : 'true, false or null');
const isNumberOrNull: Check = (v) => (v === null || typeof v === 'number' ? null : 'a number or null');
const isCount: Check = (v) => (isIntegerIn(v, 0, MAX_TOKEN_ID) ? null : `an integer in [0, ${MAX_TOKEN_ID}]`);
const isFunction: Check = (v) => (typeof v === 'function' ? null : 'a function');

const ROLES = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'];
const isSpecialTokens: Check = (v) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return `an object mapping ${ROLES.join(', ')} to token strings`;
  for (const [role, token] of Object.entries(v)) {
    if (!ROLES.includes(role) || (token !== undefined && typeof token !== 'string')) return `an object mapping ${ROLES.join(', ')} to token strings (see "${role}")`;
  }
  return null;
};
const ADDED_FLAGS = ['singleWord', 'lstrip', 'rstrip', 'normalized', 'special'];
const isAddedTokens: Check = (v) => {
  const expected = 'a list of token strings or { content, singleWord?, lstrip?, rstrip?, normalized?, special? } objects';
  if (!Array.isArray(v)) return expected;
  for (const spec of v) {
    if (typeof spec === 'string') continue;
    if (spec === null || typeof spec !== 'object' || typeof spec.content !== 'string') return expected;
    for (const flag of ADDED_FLAGS) if (spec[flag] !== undefined && typeof spec[flag] !== 'boolean') return expected;
  }
  return null;
};

const CHECKS: Record<string, Check> = {
  cleanUpTokenizationSpaces: isBoolean,
  specialTokens: isSpecialTokens,
  modelMaxLength: isNumberOrNull,
  fetch: isFunction,
  addPrefixSpace: isBoolean,
  unkToken: isStringOrNull,
  addedTokens: isAddedTokens,
  lowercase: isBoolean,
  stripAccents: isBooleanOrNull,
  handleChineseChars: isBoolean,
  clsToken: isString,
  sepToken: isString,
  padToken: isString,
  maskToken: isString,
  maxInputCharsPerWord: isCount,
};

const TOKENIZER_OPTION_KEYS = ['cleanUpTokenizationSpaces', 'specialTokens', 'modelMaxLength'];
export const BPE_FILE_OPTION_KEYS = [...TOKENIZER_OPTION_KEYS, 'addPrefixSpace', 'unkToken', 'addedTokens'];
export const WORDPIECE_FILE_OPTION_KEYS = [...TOKENIZER_OPTION_KEYS, 'lowercase', 'stripAccents', 'handleChineseChars', 'unkToken', 'clsToken', 'sepToken', 'padToken', 'maskToken', 'maxInputCharsPerWord', 'addedTokens'];

/**
 * Checks the types of the known keys of `options` (undefined means "default"); with `allowed`, any
 * other key is an error too (a misspelt option would otherwise be ignored).
 */
export function checkLoadOptions(options: unknown, what: string, allowed?: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TokenizerOptionError(what, `expected an options object, got ${describeValue(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (allowed !== undefined && !allowed.includes(key)) throw new TokenizerOptionError(key, `unknown option of ${what}; known options: ${allowed.join(', ')}`);
    const check = CHECKS[key];
    const expected = value === undefined || check === undefined ? null : check(value);
    if (expected !== null) throw new TokenizerOptionError(key, `expected ${expected}, got ${describeValue(value)}`);
  }
}
