import { ComponentRegistry } from '../registry.js';
import { bpeFromJSON } from './bpe.js';
import type { Model } from './model.js';
import { wordPieceFromJSON } from './wordpiece.js';

export { type Model, VocabularyModel } from './model.js';
export { BPE, parseMerges, type BPEOptions } from './bpe.js';
export { WordPiece, type WordPieceOptions } from './wordpiece.js';

export const models = new ComponentRegistry<Model>('model')
  .register('BPE', bpeFromJSON)
  .register('WordPiece', wordPieceFromJSON);
