import { ComponentRegistry } from '../registry.js';
import { ByteLevelDecoder } from './byte-level.js';
import type { Decoder } from './decoder.js';
import {
  bpeDecoderFromJSON,
  ByteFallbackDecoder,
  FuseDecoder,
  metaspaceFromJSON,
  replaceFromJSON,
  sequenceFromJSON,
  stripFromJSON,
  wordPieceFromJSON,
} from './simple.js';

export { decodeTokens, type Decoder } from './decoder.js';
export { ByteLevelDecoder } from './byte-level.js';
export { cleanUpTokenization } from './cleanup.js';
export {
  BPEDecoder,
  ByteFallbackDecoder,
  DecoderSequence,
  FuseDecoder,
  MetaspaceDecoder,
  ReplaceDecoder,
  StripDecoder,
  WordPieceDecoder,
} from './simple.js';

export const decoders = new ComponentRegistry<Decoder>('decoder')
  .register('ByteLevel', () => new ByteLevelDecoder())
  .register('WordPiece', wordPieceFromJSON)
  .register('BPEDecoder', bpeDecoderFromJSON)
  .register('Metaspace', metaspaceFromJSON)
  .register('Strip', stripFromJSON)
  .register('Replace', replaceFromJSON)
  .register('Fuse', () => new FuseDecoder())
  .register('ByteFallback', () => new ByteFallbackDecoder())
  .register('Sequence', (config, path) => sequenceFromJSON(config, path, (value, p) => decoders.build(value, p)));
