/**
 * `@attnjs/core/internal`: helpers the attn.js packages share (input checks, file access). Not public
 * API: anything here may change in any release. Applications use `@attnjs/core`.
 */
export {
  checkBoolean,
  checkInputs,
  checkLength,
  checkOptions,
  checkRange,
  checkSameShape,
  describeValue,
  idsFeed,
  toIds,
  toLabels1d,
  tokenFeed,
} from './inputs.js';
export {
  currentHost,
  describeSource,
  importNodeBuiltin,
  joinSource,
  locateSource,
  readBytes,
  readText,
  type SourceHost,
  writeFileAtomic,
} from './io.js';
export { int2d, toNested } from './host.js';
export { type FileRegion, fileRegionOf } from './file-origin.js';
export { xoshiro128ss } from './generation/random.js';
