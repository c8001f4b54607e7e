import { boolField, type JsonObject } from '../json.js';
import { splitGpt2 } from './gpt2-scanner.js';
import type { PreTokenizer, Ranges } from './pre-tokenizer.js';

/**
 * HF `ByteLevel` pre-tokenizer: splits with the GPT-2 regex (when `use_regex`) and spells each piece
 * in the byte alphabet. The spelling is done by the tokenizer on cache misses only (`byteLevel`), so
 * the hot path never builds byte-level strings for words it has seen. `trim_offsets` only matters to
 * the ByteLevel post-processor, which has its own copy of the flag.
 */
export class ByteLevelPreTokenizer implements PreTokenizer {
  readonly byteLevel = true;
  constructor(
    readonly addPrefixSpace = false,
    readonly useRegex = true,
  ) {}

  split(text: string, start: number, end: number, out: Ranges): void {
    if (this.useRegex) splitGpt2(text, start, end, out);
    else if (end > start) out.push(start, end);
  }
}

export function byteLevelFromJSON(config: JsonObject, path: string): ByteLevelPreTokenizer {
  return new ByteLevelPreTokenizer(boolField(config, 'add_prefix_space', path, true), boolField(config, 'use_regex', path, true));
}
