/**
 * `pipeline(task, source, options)`: the one entry, as transformers.js and Hugging Face have. It looks
 * the task up in the registry, loads (or takes) the model and tokenizer, and returns a callable object.
 */
import { type Backend, BackendError, type PreTrainedModel, UnsupportedError } from '@attnjs/core';
import { checkOptions, describeValue } from '@attnjs/core/internal';
import type { Tokenizer } from '@attnjs/tokenizers';
import { type PipelineContext, findTask } from './registry.js';
import { type PipelineSource, resolveSource } from './source.js';
import type { PipelineTypes } from './tasks/index.js';

/** What every pipeline object has besides being callable. */
export interface PipelineBase {
  readonly task: string;
  readonly model: PreTrainedModel;
  readonly tokenizer: Tokenizer;
  /** Frees the model if the pipeline loaded it (never a model the caller passed in). Idempotent. */
  dispose(): void;
}

/** A pipeline: call it with inputs (and per-call options), as transformers.js's pipelines are called. */
export interface Pipeline<I = unknown, O = unknown, C = Record<string, unknown>> extends PipelineBase {
  (inputs: I, options?: C): Promise<O>;
}

/** `pipeline()`'s options; besides these, any of the task's call options, as defaults for every call. */
export interface PipelineOptions {
  /** The engine a folder's model is loaded on; a passed-in model keeps its own. */
  readonly backend?: Backend;
  /** Passed to the model class's `fromPretrained` (e.g. `allowUnusedWeights`, `initNewHeads`). */
  readonly modelOptions?: Readonly<Record<string, unknown>>;
  readonly [callOption: string]: unknown;
}

/**
 * Builds the pipeline for `task` from a model folder (config.json, model.safetensors, tokenizer.json;
 * a path in Node, a URL in a browser) or from `{ model, tokenizer }` already loaded.
 */
export async function pipeline<T extends keyof PipelineTypes>(task: T, source: PipelineSource, options?: PipelineOptions): Promise<PipelineTypes[T]>;
export async function pipeline(task: string, source: PipelineSource, options?: PipelineOptions): Promise<Pipeline>;
export async function pipeline(task: string, source: PipelineSource, options: PipelineOptions = {}): Promise<Pipeline> {
  const definition = findTask(task);
  const where = `pipeline('${definition.task}')`;
  if (typeof options !== 'object' || options === null) throw new UnsupportedError(`${where}: options must be an object, got ${describeValue(options)}`);
  const { backend, modelOptions = {}, ...defaults } = options;
  checkOptions(defaults, definition.callOptions, where);
  if (typeof modelOptions !== 'object' || modelOptions === null) {
    throw new UnsupportedError(`${where}: modelOptions must be an object, got ${describeValue(modelOptions)}`);
  }
  const parts = await resolveSource(definition, source, backend, modelOptions);
  let disposed = false;
  const context: PipelineContext = {
    task: definition.task,
    model: parts.model,
    tokenizer: parts.tokenizer,
    resolveOptions(given, method = where) {
      if (disposed) throw new BackendError(`${method}: this pipeline was disposed`);
      if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
        throw new UnsupportedError(`${method}: options must be an object, got ${describeValue(given)}`);
      }
      checkOptions(given, definition.callOptions, method);
      const set = Object.entries(given ?? {}).filter(([, value]) => value !== undefined);
      return Object.freeze({ ...defaults, ...Object.fromEntries(set) });
    },
  };
  let runner;
  try {
    runner = definition.create(context);
  } catch (error) {
    if (parts.ownsModel) parts.model.dispose();
    throw error;
  }
  const call = (inputs: unknown, callOptions?: object) => {
    // Option errors are rejections, like every other failure of an async call.
    try {
      return runner.run(inputs, context.resolveOptions(callOptions));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const base: PipelineBase = {
    task: definition.task,
    model: parts.model,
    tokenizer: parts.tokenizer,
    dispose() {
      if (disposed) return;
      disposed = true;
      if (parts.ownsModel) parts.model.dispose();
    },
  };
  return Object.assign(call, base, runner.methods ?? {}) as Pipeline;
}
