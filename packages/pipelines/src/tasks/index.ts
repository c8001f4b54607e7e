/**
 * The built-in tasks. To add one: write tasks/<task>.ts exporting its `TaskDefinition` and its pipeline
 * type, then add one line to each list below (the definition to `BUILTIN_TASKS`, the type to
 * `PipelineTypes`, which gives `pipeline('<task>', …)` its return type).
 */
import type { TaskDefinition } from '../registry.js';
import { type FeatureExtractionPipeline, featureExtraction } from './feature-extraction.js';
import { type FillMaskPipeline, fillMask } from './fill-mask.js';
import { type QuestionAnsweringPipeline, questionAnswering } from './question-answering.js';
import { type TextClassificationPipeline, textClassification } from './text-classification.js';
import { type TextGenerationPipeline, textGeneration } from './text-generation.js';
import { type TokenClassificationPipeline, tokenClassification } from './token-classification.js';

export const BUILTIN_TASKS: readonly TaskDefinition[] = [
  featureExtraction,
  fillMask,
  textClassification,
  textGeneration,
  tokenClassification,
  questionAnswering,
];

/** The pipeline type each task name returns. */
export interface PipelineTypes {
  'feature-extraction': FeatureExtractionPipeline;
  'fill-mask': FillMaskPipeline;
  ner: TokenClassificationPipeline;
  'question-answering': QuestionAnsweringPipeline;
  'sentiment-analysis': TextClassificationPipeline;
  'text-classification': TextClassificationPipeline;
  'text-generation': TextGenerationPipeline;
  'token-classification': TokenClassificationPipeline;
}
