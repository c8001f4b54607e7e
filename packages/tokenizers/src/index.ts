export { Tokenizer, type TokenizerOptions, type TokenizerParts } from './tokenizer.js';
export type { Encoding, Side } from './encoding.js';
export type {
  BatchEncodeOptions,
  BatchInput,
  DecodeOptions,
  EncodeOptions,
  PaddingParams,
  PaddingStrategy,
  TruncationParams,
  TruncationStrategy,
} from './options.js';
export type { AddedToken } from './added-vocabulary.js';
export type { SpecialTokenRole, SpecialTokens } from './special-tokens.js';
export { StreamDecoder, type StreamDecoderOptions } from './stream-decoder.js';
export type { AddedTokenSpec, BPEFilesOptions, WordPieceVocabOptions } from './vocab-files.js';
export {
  TokenizerError,
  TokenizerConfigError,
  TokenizerLoadError,
  TokenizerOptionError,
  UnsupportedComponentError,
} from './errors.js';
export * from './normalizers/index.js';
export * from './pre-tokenizers/index.js';
export * from './models/index.js';
export * from './post-processors/index.js';
export * from './decoders/index.js';
export { NormalizedString } from './normalized.js';
export { ComponentRegistry, type ComponentFactory } from './registry.js';
export type { JsonObject } from './json.js';
export type { SplitPattern } from './pattern.js';
export * from './train/index.js';
