import { ComponentRegistry } from '../registry.js';
import { bertProcessingFromJSON, robertaProcessingFromJSON } from './bert.js';
import { byteLevelFromJSON } from './byte-level.js';
import type { PostProcessor } from './post-processor.js';
import { sequenceFromJSON } from './sequence.js';
import { templateFromJSON } from './template.js';

export { postProcess, type PostProcessor } from './post-processor.js';
export { BertProcessing, RobertaProcessing, type SpecialToken } from './bert.js';
export { ByteLevelPostProcessor } from './byte-level.js';
export { PostProcessorSequence } from './sequence.js';
export { TemplateProcessing, type TemplatePiece, type TemplateSpecialToken } from './template.js';

export const postProcessors = new ComponentRegistry<PostProcessor>('post_processor')
  .register('ByteLevel', byteLevelFromJSON)
  .register('BertProcessing', bertProcessingFromJSON)
  .register('RobertaProcessing', robertaProcessingFromJSON)
  .register('TemplateProcessing', templateFromJSON)
  .register('Sequence', (config, path) => sequenceFromJSON(config, path, (value, p) => postProcessors.build(value, p)));
