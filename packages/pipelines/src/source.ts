/**
 * Where a pipeline's model and tokenizer come from: a model folder (path in Node, URL in a browser)
 * holding config.json, model.safetensors and tokenizer files, or a model and tokenizer the user loaded.
 */
import { type Backend, BackendError, ConfigError, ConfigReader, InputError, LoadError, type PreTrainedModel, UnsupportedError } from '@attnjs/core';
import { describeSource, describeValue, joinSource, readText } from '@attnjs/core/internal';
import { Tokenizer } from '@attnjs/tokenizers';
import { type ModelClass, type TaskDefinition, taskAccepts } from './registry.js';

/** A model and tokenizer already loaded; the pipeline uses them and never disposes the model. */
export interface LoadedModel {
  readonly model: PreTrainedModel;
  readonly tokenizer: Tokenizer;
}

/** A model folder (path or URL) or a loaded model with its tokenizer. */
export type PipelineSource = string | URL | LoadedModel;

export interface LoadedPipelineParts extends LoadedModel {
  /** True when the pipeline loaded the model and so frees it on `dispose()`. */
  readonly ownsModel: boolean;
}

function isLoaded(source: unknown): source is LoadedModel {
  return typeof source === 'object' && source !== null && !(source instanceof URL);
}

function checkLoaded(source: LoadedModel, where: string): void {
  const model = source.model as (Partial<PreTrainedModel> & { forward?: unknown }) | undefined;
  if (typeof model !== 'object' || model === null || typeof model.forward !== 'function' || typeof model.modelName !== 'string') {
    throw new InputError(`${where}: source.model must be an attn.js model (e.g. await BertForMaskedLM.fromPretrained(…)), got ${describeValue(model)}`);
  }
  const tokenizer = source.tokenizer as Partial<Tokenizer> | undefined;
  if (typeof tokenizer !== 'object' || tokenizer === null || typeof tokenizer.encode !== 'function' || typeof tokenizer.decode !== 'function') {
    throw new InputError(`${where}: source.tokenizer must be a Tokenizer from @attnjs/tokenizers, got ${describeValue(tokenizer)}`);
  }
  for (const key of Object.keys(source)) {
    if (key !== 'model' && key !== 'tokenizer') throw new UnsupportedError(`${where}: the source object takes { model, tokenizer }, not "${key}"`);
  }
}

async function readConfig(dir: string | URL): Promise<ConfigReader> {
  const source = joinSource(dir, 'config.json');
  let text: string;
  try {
    text = await readText(source);
  } catch (error) {
    throw new ConfigError(`could not read ${describeSource(source)}: config.json is missing or unreadable (${(error as Error).message})`, { cause: error });
  }
  return ConfigReader.parse(text, describeSource(source));
}

/**
 * The class to load a folder as, as Hugging Face's pipeline picks it: config.json's `architectures[0]`
 * when the task runs that class, else the task's class for the config's `model_type`.
 */
export function chooseClass(definition: TaskDefinition, config: ConfigReader): ModelClass {
  const architectures = config.json.architectures;
  const declared = Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : undefined;
  const exact = definition.architectures.find((c) => c.modelName === declared);
  if (exact) return exact;
  const modelType = config.has('model_type') ? config.string('model_type') : undefined;
  const byType = modelType === undefined ? undefined : definition.modelTypes[modelType];
  if (byType) return byType;
  const supported = definition.architectures.map((c) => c.modelName).join(', ');
  throw new UnsupportedError(
    `pipeline('${definition.task}'): ${config.source} declares architectures[0] ${JSON.stringify(declared ?? null)} and model_type ${JSON.stringify(modelType ?? null)}; ` +
      `this task runs ${supported} (model types: ${Object.keys(definition.modelTypes).join(', ')})`,
  );
}

async function loadTokenizer(dir: string | URL): Promise<Tokenizer> {
  try {
    return await Tokenizer.fromDir(dir);
  } catch (error) {
    throw new LoadError(
      `pipeline: could not load a tokenizer from ${describeSource(dir)} (tokenizer.json, or vocab.json + merges.txt, or vocab.txt): ${(error as Error).message}. ` +
        'Pass { model, tokenizer } to use a tokenizer from elsewhere.',
      { cause: error },
    );
  }
}

/** The model and tokenizer for `source`, loading them when it is a folder. */
export async function resolveSource(
  definition: TaskDefinition,
  source: PipelineSource,
  backend: Backend | undefined,
  modelOptions: Readonly<Record<string, unknown>>,
): Promise<LoadedPipelineParts> {
  const where = `pipeline('${definition.task}')`;
  if (isLoaded(source)) {
    checkLoaded(source, where);
    if (!taskAccepts(definition, source.model)) {
      const supported = definition.architectures.map((c) => c.modelName).join(', ');
      throw new UnsupportedError(`${where} cannot use a ${source.model.modelName} (it runs ${supported})`);
    }
    if (backend !== undefined && backend !== source.model.backend) {
      throw new BackendError(`${where}: the backend option differs from the backend source.model runs on; leave it out (the model's is used)`);
    }
    if (Object.keys(modelOptions).length > 0) throw new UnsupportedError(`${where}: modelOptions only apply when the pipeline loads the model from a folder`);
    return { ...source, ownsModel: false };
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new InputError(`${where}: the source must be a model folder (path or URL) or { model, tokenizer }, got ${describeValue(source)}`);
  }
  if (backend === undefined || backend === null || typeof (backend as Partial<Backend>).run !== 'function') {
    throw new BackendError(`${where} needs { backend } to load ${describeSource(source)}, e.g. await createTfjsBackend({ device: 'cpu' })`);
  }
  const config = await readConfig(source);
  const modelClass = chooseClass(definition, config);
  const tokenizer = await loadTokenizer(source);
  const model = await modelClass.fromPretrained(source, { ...modelOptions, backend });
  return { model, tokenizer, ownsModel: true };
}
