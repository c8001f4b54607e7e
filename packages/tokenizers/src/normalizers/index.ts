import { ComponentRegistry } from '../registry.js';
import { bertNormalizerFromJSON } from './bert.js';
import type { Normalizer } from './normalizer.js';
import { Lowercase, prependFromJSON, replaceFromJSON, sequenceFromJSON, StripAccents, stripFromJSON } from './simple.js';
import { unicodeNormalizerFromJSON } from './unicode-forms.js';

export type { Normalizer } from './normalizer.js';
export { BertNormalizer, type BertNormalizerOptions } from './bert.js';
export { Lowercase, NormalizerSequence, Prepend, Replace, Strip, StripAccents } from './simple.js';
export { UnicodeNormalizer, type NormalizationForm } from './unicode-forms.js';

export const normalizers = new ComponentRegistry<Normalizer>('normalizer')
  .register('BertNormalizer', bertNormalizerFromJSON)
  .register('Lowercase', () => new Lowercase())
  .register('StripAccents', () => new StripAccents())
  .register('NFD', (_, path) => unicodeNormalizerFromJSON('NFD', path))
  .register('NFC', (_, path) => unicodeNormalizerFromJSON('NFC', path))
  .register('NFKD', (_, path) => unicodeNormalizerFromJSON('NFKD', path))
  .register('NFKC', (_, path) => unicodeNormalizerFromJSON('NFKC', path))
  .register('Strip', stripFromJSON)
  .register('Prepend', prependFromJSON)
  .register('Replace', replaceFromJSON)
  .register('Sequence', (config, path) => sequenceFromJSON(config, path, (value, p) => normalizers.build(value, p)));
