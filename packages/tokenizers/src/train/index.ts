export { trainBPE, trainBPEFromFile, type TrainBPEOptions } from './bpe.js';
export { trainWordPiece, trainWordPieceFromFile, type TrainWordPieceOptions } from './wordpiece.js';
export { saveTokenizerJSON, type AddedTokenJSON, type TrainedTokenizerJSON } from './json.js';
export type { TrainingCorpus } from './corpus.js';
export type { TrainProgress, TrainOptions } from './options.js';
export { TrainerOptionError } from './errors.js';
