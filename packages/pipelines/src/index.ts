export { pipeline, type Pipeline, type PipelineBase, type PipelineOptions } from './pipeline.js';
export { registerTask, supportedTasks, type ModelClass, type PipelineContext, type TaskDefinition, type TaskRunner } from './registry.js';
export type { LoadedModel, PipelineSource } from './source.js';
export type { PipelineTypes } from './tasks/index.js';
export type { FeatureExtractionOptions, FeatureExtractionPipeline, Pooling } from './tasks/feature-extraction.js';
export type { FillMaskOptions, FillMaskPipeline, FillMaskResult } from './tasks/fill-mask.js';
export type { ClassificationFunction, TextClassificationInput, TextClassificationOptions, TextClassificationPipeline, TextClassificationResult } from './tasks/text-classification.js';
export type { TextGenerationOptions, TextGenerationPipeline, TextGenerationResult } from './tasks/text-generation.js';
