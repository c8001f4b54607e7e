import { padEncoding, truncateEncoding, type Encoding } from './encoding.js';
import { TokenizerOptionError } from './errors.js';
import { MAX_SEQUENCE_LENGTH } from './limits.js';
import type { PaddingParams, TruncationParams } from './options.js';

/**
 * HF `truncate_encodings`: trims one sequence or a pair to `maxLength` tokens. longest_first cuts the
 * longer sequence first (both to about half when both are long); only_first / only_second cut one.
 */
export function truncatePair(
  encoding: Encoding,
  pair: Encoding | null,
  params: TruncationParams,
): [Encoding, Encoding | null] {
  const { maxLength, stride, side } = params;
  if (maxLength > 0 && stride >= maxLength) {
    throw new TokenizerOptionError('stride', `must be smaller than the room left for tokens (${maxLength} after special tokens), got ${stride}`);
  }
  if (maxLength === 0) {
    return [truncateEncoding(encoding, 0, stride, side), pair && truncateEncoding(pair, 0, stride, side)];
  }
  const total = encoding.ids.length + (pair?.ids.length ?? 0);
  if (total <= maxLength) return [encoding, pair];
  const toRemove = total - maxLength;
  if (params.strategy === 'longest_first') {
    if (pair === null) return [truncateEncoding(encoding, total - toRemove, stride, side), null];
    let n1 = encoding.ids.length;
    let n2 = pair.ids.length;
    const swap = n1 > n2;
    if (swap) [n1, n2] = [n2, n1];
    n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1);
    if (n1 + n2 > maxLength) {
      n1 = Math.floor(maxLength / 2);
      n2 = n1 + (maxLength % 2);
    }
    if (swap) [n1, n2] = [n2, n1];
    return [truncateEncoding(encoding, n1, stride, side), truncateEncoding(pair, n2, stride, side)];
  }
  const second = params.strategy === 'only_second';
  if (second && pair === null) {
    throw new TokenizerOptionError('truncation', "'only_second' needs a pair of sequences");
  }
  const target = second ? pair! : encoding;
  if (target.ids.length <= toRemove) {
    throw new TokenizerOptionError(
      'truncation',
      `the ${second ? 'second' : 'first'} sequence (${target.ids.length} tokens) is too short to remove ${toRemove} tokens; use 'longest_first'`,
    );
  }
  const cut = truncateEncoding(target, target.ids.length - toRemove, stride, side);
  return second ? [encoding, cut] : [cut, pair];
}

/** HF `pad_encodings`: pads every encoding to the longest (or to `maxLength`), rounded up to `padToMultipleOf`. */
export function padBatch(encodings: Encoding[], params: PaddingParams, padId: number, padToken: string): void {
  if (encodings.length === 0) return;
  let length = params.strategy === 'max_length' ? params.maxLength : encodings.reduce((max, e) => Math.max(max, e.ids.length), 0);
  const multiple = params.padToMultipleOf;
  if (multiple > 0 && length % multiple > 0) length += multiple - (length % multiple);
  if (length > MAX_SEQUENCE_LENGTH) {
    throw new TokenizerOptionError('padToMultipleOf', `padding to a multiple of ${multiple} gives ${length} tokens, more than ${MAX_SEQUENCE_LENGTH} (2^24)`);
  }
  for (const e of encodings) padEncoding(e, length, padId, params.padTypeId, padToken, params.side);
}
