import type { Backend, ExportSpec, Program } from './backend.js';
import { type CheckpointSpec, type LoadReport, loadParameters } from './checkpoint.js';
import { ConfigReader } from './config.js';
import { BackendError, ConfigError, UnsupportedError } from './errors.js';
import type { HostTensor } from './host.js';
import { checkOptions } from './inputs.js';
import { describeSource, joinSource, readText } from './io.js';
import type { Tensor } from './kernels.js';
import { Module } from './module.js';
import type { Ops } from './ops.js';
import { readSafetensors } from './safetensors.js';

export interface FromPretrainedOptions {
  /** The engine to run on, e.g. `await createTfjsBackend({ device: 'wasm' })`. */
  readonly backend: Backend;
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
 * copy the weights in.
 */
export async function loadPretrained<C, M extends PreTrainedModel>(
  dir: string | URL,
  options: FromPretrainedOptions,
  parseConfig: (config: ConfigReader) => C,
  create: (config: C) => M,
): Promise<M> {
  checkOptions(options, ['backend'], 'fromPretrained');
  const files = await readPretrained(dir);
  const model = create(parseConfig(files.config));
  model.loadWeights(files.tensors, files.where);
  return model;
}

/** The base of every model: holds the backend, loads checkpoints, runs programs, frees what it uploaded. */
export abstract class PreTrainedModel extends Module {
  /** How this model's checkpoint keys differ from its module tree. */
  protected abstract readonly checkpointSpec: CheckpointSpec;
  private backendRef?: Backend;

  get backend(): Backend {
    if (!this.backendRef) throw new BackendError(`${this.constructor.name} has no backend (was it disposed?)`);
    return this.backendRef;
  }

  protected attach(backend: Backend | undefined): void {
    if (!backend || typeof backend.run !== 'function') {
      throw new BackendError(`${this.constructor.name} needs { backend }, e.g. await createTfjsBackend({ device: 'cpu' })`);
    }
    this.backendRef = backend;
  }

  /** Copies checkpoint tensors into this model (key-for-key, per `checkpointSpec`). */
  loadWeights(tensors: ReadonlyMap<string, HostTensor>, where = 'the checkpoint'): LoadReport {
    const report = loadParameters(this, tensors, this.checkpointSpec, where);
    this.backendRef?.release(this, this.parameters()); // drop stale engine copies
    return report;
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
    throw new UnsupportedError(`${this.constructor.name} does not define an export graph`);
  }

  /** Frees the engine's copies of this model's weights and compiled graphs. The backend itself stays usable. */
  dispose(): void {
    this.backendRef?.release(this, this.parameters());
    this.backendRef = undefined;
  }
}

