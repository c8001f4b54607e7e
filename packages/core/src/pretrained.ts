import type { Backend, ExportSpec, Program } from './backend.js';
import { type CheckpointSpec, type LoadOptions, type LoadReport, loadParameters } from './checkpoint.js';
import { ConfigReader } from './config.js';
import { BackendError, ConfigError, UnsupportedError } from './errors.js';
import type { HostTensor } from './host.js';
import { checkBoolean, checkOptions } from './inputs.js';
import { describeSource, joinSource, readText } from './io.js';
import type { Tensor } from './kernels.js';
import { Module } from './module.js';
import type { Ops } from './ops.js';
import type { NewHeadInit } from './init.js';
import { readSafetensors } from './safetensors.js';

export interface FromPretrainedOptions {
  /** The engine to run on, e.g. `await createTfjsBackend({ device: 'wasm' })`. */
  readonly backend: Backend;
  /**
   * Load even when the checkpoint holds weights of the model's own architecture that it has no place
   * for (e.g. more layers than config.json says), dropping them; `model.loadReport.unusedKeys` lists
   * them. Without it such a load is an `UnusedWeightsError`. Weights of other heads (a base model
   * loaded from a task checkpoint) never need this.
   */
  readonly allowUnusedWeights?: boolean;
}

/** A model folder (or URL): config.json + model.safetensors, as `save_pretrained` writes it. */
export interface PretrainedFiles {
  readonly config: ConfigReader;
  readonly tensors: Map<string, HostTensor>;
  readonly where: string;
}

/** Reads config.json and model.safetensors from a folder path or URL. */
export async function readPretrained(dir: string | URL): Promise<PretrainedFiles> {
  const configSource = joinSource(dir, 'config.json');
  let text: string;
  try {
    text = await readText(configSource);
  } catch (error) {
    throw new ConfigError(`could not read ${describeSource(configSource)}: config.json is missing or unreadable (${(error as Error).message})`, {
      cause: error,
    });
  }
  const config = ConfigReader.parse(text, describeSource(configSource));
  const weightsSource = joinSource(dir, 'model.safetensors');
  const file = await readSafetensors(weightsSource);
  const tensors = new Map([...file.tensors].map(([name, t]) => [name, t.tensor] as const));
  return { config, tensors, where: describeSource(weightsSource) };
}

/**
 * `fromPretrained` for any model: read the folder, parse its config, build the model on the backend and
 * copy the weights in. `extraOptions` are the options a model accepts beyond `backend` (task heads:
 * `initNewHeads`, label overrides), which its `parseConfig` or this loader read.
 */
export async function loadPretrained<C, M extends PreTrainedModel>(
  dir: string | URL,
  options: FromPretrainedOptions,
  parseConfig: (config: ConfigReader) => C,
  create: (config: C) => M,
  extraOptions: readonly string[] = [],
): Promise<M> {
  checkOptions(options, ['backend', 'allowUnusedWeights', ...extraOptions], 'fromPretrained');
  const allowUnusedWeights = checkBoolean(options?.allowUnusedWeights, 'allowUnusedWeights', 'fromPretrained');
  const initNewHeads = (options as { initNewHeads?: unknown }).initNewHeads;
  if (initNewHeads !== undefined && typeof initNewHeads !== 'boolean') {
    throw new UnsupportedError(`fromPretrained: initNewHeads must be true or false, got ${JSON.stringify(initNewHeads)}`);
  }
  const files = await readPretrained(dir);
  const model = create(parseConfig(files.config));
  const newHeads: NewHeadInit | undefined = initNewHeads ? { std: files.config.number('initializer_range', 0.02) } : undefined;
  model.loadWeights(files.tensors, { where: files.where, allowUnusedWeights, newHeads });
  return model;
}

/** The base of every model: holds the backend, loads checkpoints, runs programs, frees what it uploaded. */
export abstract class PreTrainedModel extends Module {
  /** How this model's checkpoint keys differ from its module tree. */
  protected abstract readonly checkpointSpec: CheckpointSpec;
  private backendRef?: Backend;
  private report?: LoadReport;

  /**
   * The class's name in messages. Each model class sets a static `modelName`, because bundlers and
   * minifiers rename classes (`_GPT2LMHeadModel`, `sa`); the constructor's name is the fallback.
   */
  get modelName(): string {
    const ctor = this.constructor as { readonly modelName?: unknown; readonly name: string };
    return Object.hasOwn(ctor, 'modelName') && typeof ctor.modelName === 'string' ? ctor.modelName : ctor.name;
  }

  /** What the last `loadWeights` did with checkpoint keys that filled no parameter (undefined before a load). */
  get loadReport(): LoadReport | undefined {
    return this.report;
  }

  get backend(): Backend {
    if (!this.backendRef) throw new BackendError(`${this.modelName} has no backend (was it disposed?)`);
    return this.backendRef;
  }

  protected attach(backend: Backend | undefined): void {
    if (!backend || typeof backend.run !== 'function') {
      throw new BackendError(`${this.modelName} needs { backend }, e.g. await createTfjsBackend({ device: 'cpu' })`);
    }
    this.backendRef = backend;
  }

  /** Copies checkpoint tensors into this model (key-for-key, per `checkpointSpec`; see `loadParameters` for the rules). */
  loadWeights(tensors: ReadonlyMap<string, HostTensor>, options: string | Omit<LoadOptions, 'modelName'> = {}): LoadReport {
    const given = typeof options === 'string' ? { where: options } : options; // a string is `where`, as before
    this.report = loadParameters(this, tensors, this.checkpointSpec, { ...given, modelName: this.modelName });
    this.backendRef?.release(this, this.parameters()); // drop stale engine copies
    return this.report;
  }

  /** Runs a program built from this model's layers on its backend (graph engines cache it per `key`). */
  runProgram<I extends string, O extends string>(
    key: string,
    inputs: Record<I, HostTensor>,
    build: (ops: Ops, x: Record<I, Tensor>) => Record<O, Tensor>,
  ): Promise<Record<O, HostTensor>> {
    const program: Program<I, O> = { owner: this, key, build };
    return this.backend.run(program, inputs);
  }

  /** The graph this model exports (`exportOnnx`): inputs and outputs named as Hugging Face Optimum names them. */
  exportSpec(): ExportSpec {
    throw new UnsupportedError(`${this.modelName} does not define an export graph`);
  }

  /** Frees the engine's copies of this model's weights and compiled graphs. The backend itself stays usable. */
  dispose(): void {
    this.backendRef?.release(this, this.parameters());
    this.backendRef = undefined;
  }
}

