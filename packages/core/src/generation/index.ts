export type { CausalLM, DecoderSession, GenerationTokenizer } from './decoder.js';
export { generate, generateStream, type GenerateOutput } from './generate.js';
export type { PromptIds } from './prompts.js';
export { GENERATE_OPTIONS, resolveGenerationConfig, type EarlyStopping, type GenerateOptions, type GenerationConfig } from './options.js';
export type { GenerationChunk, GenerationStreamer } from './streaming.js';
export { logitsProcessorList } from './logits-processor-list.js';
export { type LogitsProcessor, ForcedEosProcessor, MinNewTokensProcessor, NoBadWordsProcessor, NoRepeatNGramProcessor, RepetitionPenaltyProcessor } from './processors.js';
export { MinPWarper, TemperatureWarper, TopKWarper, TopPWarper, TypicalWarper } from './warpers.js';
export { SeededRandom } from './random.js';
