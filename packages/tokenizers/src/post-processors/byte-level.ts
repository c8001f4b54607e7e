import { BYTE_TO_CHAR } from '../byte-level.js';
import type { Encoding } from '../encoding.js';
import { boolField, type JsonObject } from '../json.js';
import { charFlags, WHITESPACE } from '../unicode.js';
import type { PostProcessor } from './post-processor.js';

const SPACE = BYTE_TO_CHAR[32].charCodeAt(0); // 'Ġ'

function isSpaceChar(c: number): boolean {
  return c === SPACE || (charFlags(c) & WHITESPACE) !== 0;
}

/**
 * HF `process_offsets`: moves each token's offsets past its leading / trailing spaces ('Ġ'), except
 * the single space that add_prefix_space inserted in front of the first token.
 */
export function trimOffsets(encoding: Encoding, addPrefixSpace: boolean): void {
  const { tokens, offsets } = encoding;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    let leading = 0;
    while (leading < token.length && isSpaceChar(token.charCodeAt(leading))) leading++;
    let trailing = 0;
    while (trailing < token.length && isSpaceChar(token.charCodeAt(token.length - 1 - trailing))) trailing++;
    if (leading === 0 && trailing === 0) continue;
    const offset = offsets[i];
    if (leading > 0) {
      const isFirst = i === 0 || offset[0] === 0;
      if (isFirst && addPrefixSpace && leading === 1) leading = 0;
      offset[0] = Math.min(offset[0] + leading, offset[1]);
    }
    if (trailing > 0 && offset[1] >= trailing) offset[1] = Math.max(offset[1] - trailing, offset[0]);
  }
  for (const o of encoding.overflowing) trimOffsets(o, addPrefixSpace);
}

/** HF `ByteLevel` post-processor: no special tokens, optional offset trimming. */
export class ByteLevelPostProcessor implements PostProcessor {
  constructor(
    readonly trimOffsets: boolean,
    readonly addPrefixSpace: boolean,
  ) {}

  addedTokens(): number {
    return 0;
  }

  processEncodings(encodings: Encoding[]): Encoding[] {
    if (this.trimOffsets) for (const e of encodings) trimOffsets(e, this.addPrefixSpace);
    return encodings;
  }
}

export function byteLevelFromJSON(config: JsonObject, path: string): ByteLevelPostProcessor {
  return new ByteLevelPostProcessor(boolField(config, 'trim_offsets', path, true), boolField(config, 'add_prefix_space', path, true));
}
