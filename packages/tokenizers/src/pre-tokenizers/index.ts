import { UnsupportedComponentError } from '../errors.js';
import { ComponentRegistry } from '../registry.js';
import { BertPreTokenizer } from './bert.js';
import { byteLevelFromJSON } from './byte-level.js';
import type { PreTokenizer } from './pre-tokenizer.js';
import { digitsFromJSON, punctuationFromJSON, Whitespace, WhitespaceSplit } from './simple.js';
import { sequenceFromJSON, splitFromJSON } from './split.js';

export { Ranges, type PreTokenizer, type SplitBehavior } from './pre-tokenizer.js';
export { BertPreTokenizer } from './bert.js';
export { ByteLevelPreTokenizer } from './byte-level.js';
export { Digits, Punctuation, Whitespace, WhitespaceSplit } from './simple.js';
export { PreTokenizerSequence, Split } from './split.js';

export const preTokenizers = new ComponentRegistry<PreTokenizer>('pre_tokenizer')
  .register('ByteLevel', byteLevelFromJSON)
  .register('BertPreTokenizer', () => new BertPreTokenizer())
  .register('Whitespace', () => new Whitespace())
  .register('WhitespaceSplit', () => new WhitespaceSplit())
  .register('Punctuation', punctuationFromJSON)
  .register('Digits', digitsFromJSON)
  .register('Split', splitFromJSON)
  .register('Sequence', (config, path) => sequenceFromJSON(config, path, (value, p) => preTokenizers.build(value, p)));

// Metaspace rewrites the text (spaces → '▁'), which pure range splitting cannot express; say so
// instead of silently splitting without it.
preTokenizers.register('Metaspace', (_, path) => {
  throw new UnsupportedComponentError('pre_tokenizer', 'Metaspace', path, 'only the Metaspace decoder is supported');
});
