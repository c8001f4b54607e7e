import type { GenerationConfig } from './options.js';
import {
  ForcedEosProcessor,
  type LogitsProcessor,
  MinNewTokensProcessor,
  NoBadWordsProcessor,
  NoRepeatNGramProcessor,
  RepetitionPenaltyProcessor,
} from './processors.js';
import { MinPWarper, TemperatureWarper, TopKWarper, TopPWarper, TypicalWarper } from './warpers.js';

/**
 * The processors a configuration asks for, in Hugging Face's order (`_get_logits_processor`): the
 * ones that constrain tokens first, then, when sampling, the warpers. Options at their neutral value
 * (penalty 1, topK 0, topP 1, typicalP 1) add nothing, as in HF.
 */
export function logitsProcessorList(config: GenerationConfig): LogitsProcessor[] {
  const list: LogitsProcessor[] = [];
  if (config.repetitionPenalty !== 1) list.push(new RepetitionPenaltyProcessor(config.repetitionPenalty));
  if (config.noRepeatNgramSize > 0) list.push(new NoRepeatNGramProcessor(config.noRepeatNgramSize));
  if (config.badWordsIds.length > 0) list.push(new NoBadWordsProcessor(config.badWordsIds));
  if (config.minNewTokens > 0 && config.eosTokenId.length > 0) {
    list.push(new MinNewTokensProcessor(config.minNewTokens, config.eosTokenId));
  }
  if (config.forcedEosTokenId.length > 0) list.push(new ForcedEosProcessor(config.maxNewTokens - 1, config.forcedEosTokenId));
  if (config.doSample) {
    // Beam sampling needs two live tokens per beam, so that one can be eos and one can continue.
    const minKeep = config.numBeams > 1 ? 2 : 1;
    if (config.temperature !== 1) list.push(new TemperatureWarper(config.temperature));
    if (config.topK !== 0) list.push(new TopKWarper(config.topK, minKeep));
    if (config.topP < 1) list.push(new TopPWarper(config.topP, minKeep));
    if (config.minP !== undefined) list.push(new MinPWarper(config.minP, minKeep));
    if (config.typicalP < 1) list.push(new TypicalWarper(config.typicalP, minKeep));
  }
  return list;
}

/** Runs every processor over one row. */
export function applyProcessors(processors: readonly LogitsProcessor[], scores: Float32Array, sequence: readonly number[], step: number): void {
  for (const processor of processors) processor.process(scores, sequence, step);
}
