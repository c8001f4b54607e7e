import type { EncodeOptions, Encoding } from '../src/index.js';
import { hostileNumber, hostileValue, randomText, type Rng } from './fuzz-helpers.js';

/** A length option: usually small and valid, sometimes at or past the 2^24 bound, or not a number. */
function randomLength(rng: Rng): unknown {
  if (rng.chance(0.8)) return rng.chance(0.95) ? rng.int(40) : rng.pick([4096, 100_000]);
  return rng.chance(0.8) ? hostileNumber(rng) : rng.pick(['8', null, true, {}, [8]]);
}

/** Valid values of each option, and values that must be refused (drawn one time in six). */
const CHOICES: Record<string, [valid: (rng: Rng) => unknown, invalid: readonly unknown[]]> = {
  addSpecialTokens: [(rng) => rng.chance(0.5), ['no', 0, null]],
  pair: [(rng) => randomText(rng), [5, ['a'], {}]],
  truncation: [(rng) => rng.pick([true, false, 'longest_first', 'only_first', 'only_second']), ['middle', 1, 'true']],
  maxLength: [randomLength, []],
  stride: [randomLength, []],
  truncationSide: [(rng) => rng.pick(['left', 'right']), ['up', 0, 'LEFT']],
  padding: [(rng) => rng.pick([true, false, 'longest', 'max_length', 'max_length']), ['do_not_pad', 1, 'Longest']],
  padSide: [(rng) => rng.pick(['left', 'right']), ['middle', null, 1]],
  padToMultipleOf: [randomLength, []],
  returnOverflowing: [(rng) => rng.chance(0.5), ['yes', 1]],
};
const UNKNOWN_KEYS = ['max_length', 'padding_side', 'return_tensors', 'is_split_into_words', 'skipSpecialTokens'];

/** A random `encode` options object: each known option with some chance, hostile values included. */
export function randomEncodeOptions(rng: Rng, withPair = true): EncodeOptions {
  const options: Record<string, unknown> = {};
  for (const [key, [valid, invalid]] of Object.entries(CHOICES)) {
    if ((key === 'pair' && !withPair) || !rng.chance(0.35)) continue;
    options[key] = invalid.length > 0 && rng.chance(1 / 6) ? rng.pick(invalid) : valid(rng);
  }
  if (rng.chance(0.03)) options[rng.pick(UNKNOWN_KEYS)] = hostileValue(rng);
  return options as EncodeOptions;
}

/** Mostly real ids (and ids just past the vocabulary), sometimes values that cannot be ids. */
export function randomDecodeIds(rng: Rng, vocabSize: number): number[] {
  const ids: unknown[] = [];
  for (let n = rng.int(12); n > 0; n--) {
    if (rng.chance(0.9)) ids.push(rng.int(vocabSize + 10));
    else ids.push(rng.chance(0.7) ? hostileNumber(rng) : rng.pick(['1', null, undefined, 3n, {}]));
  }
  if (rng.chance(0.03)) return rng.pick<unknown>(['1 2', null, { length: 2 }, Int32Array.from(ids.filter((id) => typeof id === 'number') as number[]), Float64Array.of(Number.NaN)]) as number[];
  return ids as number[];
}

/** Structural invariants of any encoding the tokenizer returns (thrown as plain Errors). */
export function checkEncoding(encoding: Encoding, depth = 0): void {
  const n = encoding.ids.length;
  for (const key of ['tokens', 'offsets', 'attentionMask', 'typeIds', 'specialTokensMask', 'wordIds', 'sequenceIds'] as const) {
    if (encoding[key].length !== n) throw new Error(`${key} has ${encoding[key].length} entries for ${n} ids`);
  }
  for (let i = 0; i < n; i++) {
    const id = encoding.ids[i];
    if (!Number.isInteger(id) || id < 0 || id > 2 ** 31 - 1) throw new Error(`ids[${i}] is ${id}`);
    const [start, end] = encoding.offsets[i];
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start)) throw new Error(`offsets[${i}] is [${start}, ${end}]`);
    if (encoding.attentionMask[i] !== 0 && encoding.attentionMask[i] !== 1) throw new Error(`attentionMask[${i}] is ${encoding.attentionMask[i]}`);
    if (typeof encoding.tokens[i] !== 'string') throw new Error(`tokens[${i}] is ${encoding.tokens[i]}`);
  }
  if (depth < 2) for (const window of encoding.overflowing) checkEncoding(window, depth + 1);
}

/**
 * Padding invariants (HF `pad_encodings`): the target is the longest row or `maxLength`, rounded up to a
 * valid `padToMultipleOf`; rows shorter than it are padded to it, longer ones (no truncation) stay as
 * they are. So `max_length` rows are at least maxLength long, and every padded row is a multiple.
 */
export function checkPadded(encoding: Encoding, options: EncodeOptions): void {
  const { padding, maxLength, padToMultipleOf } = options;
  const n = encoding.ids.length;
  if (padding === 'max_length' && typeof maxLength === 'number' && n < maxLength) throw new Error(`padded to ${n}, below maxLength ${maxLength}`);
  const padded = encoding.attentionMask.includes(0);
  if (padded && typeof padToMultipleOf === 'number' && padToMultipleOf > 0 && n % padToMultipleOf !== 0) {
    throw new Error(`padded length ${n} is not a multiple of padToMultipleOf ${padToMultipleOf}`);
  }
}
