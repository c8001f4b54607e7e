/**
 * The ONNX Runtime backend: each (owner, program key, input signature) is traced once into an ONNX
 * graph and compiled into an InferenceSession, which later calls replay with new batch and sequence
 * sizes.
 */
import {
  type Backend,
  BackendError,
  type DType,
  type EngineMemory,
  type EngineState,
  type HostTensor,
  InputError,
  type Parameter,
  type Program,
  type RunOptions,
  ShapeMismatchError,
  type StateAppend,
  StateSlots,
  UnsupportedError,
  requireState,
  sizeOf,
  stateUsage,
} from '@attnjs/core';
import type * as OrtWeb from 'onnxruntime-web';
import { FileWeights, type WeightPlan } from './file-weights.js';
import { appendAlong } from './growing.js';
import { type OrtBackendOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { fusedKernelsOption, type InputSignature, type TracedProgram, traceProgram } from './trace.js';

type Session = OrtWeb.InferenceSession;
type OrtTensor = OrtWeb.Tensor;

interface Compiled {
  readonly session: Session;
  readonly traced: Pick<TracedProgram, 'inputs' | 'outputs'>;
  /** Runs on one session are serialised: onnxruntime-web does not allow overlapping runs. */
  queue: Promise<unknown>;
}

interface CacheEntry {
  readonly ready: Promise<Compiled>;
}

/** A trace and the choice of which weights it reads from a file. */
interface Traced {
  readonly traced: TracedProgram;
  readonly plan?: WeightPlan;
}

/** Checkpoint names of the owner's parameters, for error messages, when the owner is a module. */
function parameterNames(owner: object): ReadonlyMap<Parameter, string> {
  const named = (owner as { namedParameters?: () => ReadonlyMap<string, Parameter> }).namedParameters?.();
  return new Map([...(named ?? [])].map(([name, p]) => [p, name] as const));
}

/** Creates an ONNX Runtime backend (default: onnxruntime-web on wasm). */
export async function createOrtBackend(options: OrtBackendOptions = {}): Promise<Backend> {
  const fusedKernels = fusedKernelsOption(options?.fusedKernels);
  return new OrtBackend(await resolveOptions(options), fusedKernels);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

class OrtBackend implements Backend {
  readonly name: string;
  private readonly sessions = new WeakMap<object, Map<string, CacheEntry>>();
  private readonly live = new Set<CacheEntry>();
  private readonly states = new Set<StateSlots<OrtTensor>>();
  /** An owner that is garbage-collected without `release` still frees its sessions. */
  private readonly finalizer = new FinalizationRegistry<Map<string, CacheEntry>>((entries) => this.releaseEntries(entries));
  private disposed = false;
  /** ort-node: weights read from the model.safetensors they were loaded from (undefined: always embedded). */
  private readonly fileWeights?: FileWeights;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly fusedKernels: boolean,
  ) {
    this.name = options.name;
    if (options.weightsFromFile) this.fileWeights = new FileWeights(options.hostWeights, options.name);
  }

  async run<I extends string, O extends string>(
    program: Program<I, O>,
    inputs: Partial<Record<I, HostTensor>>,
    options: RunOptions = {},
  ): Promise<Record<O, HostTensor>> {
    if (this.disposed) throw new BackendError(`${this.name}: the backend has been disposed`);
    refuseTraining(program, this.name);
    const given = validateInputs(inputs as Record<string, HostTensor>);
    const stateOutputs = Object.entries(program.stateOutputs ?? {}) as [string, string][];
    const stateAppends = Object.entries(program.stateAppends ?? {}) as [string, StateAppend][];
    const usesState = Boolean(program.stateInputs?.length || stateOutputs.length || stateAppends.length);
    const state = usesState ? requireState(options.state, this.states, program.key, this.name) : undefined;
    const feeds: Record<string, OrtTensor> = {};
    const signature: Record<string, InputSignature[string]> = {};
    for (const [name, t] of given) {
      signature[name] = { dtype: t.dtype, shape: t.shape.map(() => null) };
    }
    for (const name of program.stateInputs ?? []) {
      if (name in signature) throw new InputError(`program "${program.key}": "${name}" is a state input but was also passed from the host`);
      feeds[name] = state!.get(name); // already an ONNX Runtime tensor: fed back as it came out
      signature[name] = { dtype: ortDType(feeds[name]!), shape: feeds[name]!.dims.map(() => null) };
    }
    // Sorted, so that a graph fed partly from the host and partly from a state is the same session.
    const sorted: InputSignature = Object.fromEntries(Object.entries(signature).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const key = `${program.key}\u0000${Object.entries(sorted).map(([name, t]) => `${name}:${t.dtype}:${t.shape.length}`).join(',')}`;
    const compiled = await this.compiled(program, key, sorted);
    for (const [name, t] of given) feeds[name] = this.toOrt(t);
    const kept = new Set([...stateOutputs, ...stateAppends].map(([name]) => name));
    const returned = options.outputs ?? compiled.traced.outputs.map((o) => o.name).filter((name) => !kept.has(name));
    const known = new Map(compiled.traced.outputs.map((o) => [o.name, o.dtype] as const));
    const missing = returned.filter((name) => !known.has(name));
    if (missing.length) throw new InputError(`program "${program.key}" has no output ${missing.map((n) => `"${n}"`).join(', ')} to return`);
    // Only what is returned or kept is copied out of ONNX Runtime.
    const fetches = [...returned, ...kept];
    const run = compiled.queue.then(() => compiled.session.run(feeds, fetches));
    compiled.queue = run.catch(() => undefined);
    let results: OrtWeb.InferenceSession.OnnxValueMapType;
    try {
      results = await run;
    } catch (error) {
      throw new BackendError(`${this.name}: running "${program.key}" failed: ${message(error)}`, { cause: error });
    }
    if (state?.disposed) throw new BackendError(`${this.name}: the engine state was disposed while "${program.key}" ran`);
    for (const [name, slot] of stateOutputs) state!.put(slot, results[name] as OrtTensor);
    for (const [name, { slot, axis }] of stateAppends) state!.append(slot, results[name] as OrtTensor, axis);
    const out: Record<string, HostTensor> = {};
    for (const name of returned) out[name] = fromOrt(results[name] as OrtTensor, known.get(name)!);
    return out as Record<O, HostTensor>;
  }

  createState(): EngineState {
    if (this.disposed) throw new BackendError(`${this.name}: the backend has been disposed`);
    return new StateSlots<OrtTensor>(
      {
        name: this.name,
        upload: (value) => this.toOrt(value),
        download: async (t) => fromOrt(t, ortDType(t)),
        spec: (t) => ({ dtype: ortDType(t), shape: t.dims.map(Number) }),
        bytes: (t) => t.size * (t.type === 'int64' ? 8 : 4),
        free: (t) => t.dispose?.(),
        append: (held, length, value, axis) => appendAlong(this.options.ort.Tensor, held, length, value, axis),
      },
      this.states,
    );
  }

  memory(): EngineMemory {
    return { ...stateUsage(this.states), sessions: this.live.size };
  }

  /** The session for this key, tracing and compiling on first use. Trace errors leave no cache entry. */
  private compiled(program: Program, key: string, signature: InputSignature): Promise<Compiled> {
    const cached = this.sessions.get(program.owner)?.get(key);
    if (cached) return cached.ready;
    // ONNX Runtime folds the Transpose of an [out, in] weight when it loads the session, faster than
    // JavaScript can; only without its optimiser are weights laid out while tracing.
    const preTranspose = this.options.sessionOptions.graphOptimizationLevel === 'disabled';
    const decomposeTanhGelu = this.options.sessionOptions.executionProviders?.some((p) => String(p) === 'webgpu');
    const trace = (embed?: ReadonlySet<Parameter>): Traced => {
      const plan = this.fileWeights?.plan(embed);
      const options = { preTranspose, decomposeTanhGelu, fusedKernels: this.fusedKernels, externalWeights: plan?.externalWeights };
      return { traced: traceProgram(program, signature, options), plan };
    };
    const first = trace(); // throws as-is: the program's own errors
    const entry: CacheEntry = { ready: this.createSession(program, first, trace) };
    let entries = this.sessions.get(program.owner);
    if (!entries) {
      entries = new Map();
      this.sessions.set(program.owner, entries);
      this.finalizer.register(program.owner, entries, entries);
    }
    entries.set(key, entry);
    this.live.add(entry);
    const owned = entries;
    entry.ready.catch(() => {
      if (owned.get(key) === entry) owned.delete(key);
      this.live.delete(entry);
    });
    return entry.ready;
  }

  /**
   * Weights read from a file are checked against it first; those whose file no longer holds them are
   * traced again, embedded. Once the session holds the weights, their host copies may be released.
   */
  private async createSession(program: Program, first: Traced, trace: (embed: ReadonlySet<Parameter>) => Traced): Promise<Compiled> {
    const { ort } = this.options;
    let { traced, plan } = first;
    if (this.fileWeights && traced.externalParams.size) {
      const stale = await this.fileWeights.stale(traced.externalParams);
      if (stale.size) ({ traced, plan } = trace(stale));
    }
    let session: Session;
    try {
      session = await ort.InferenceSession.create(traced.model, this.sessionOptions(traced.externalParams.size ? plan?.folder : undefined));
    } catch (error) {
      throw new BackendError(`${this.name}: ONNX Runtime rejected the graph for "${program.key}": ${message(error)}`, { cause: error });
    }
    if (this.fileWeights?.hostWeights === 'release') this.fileWeights.releaseHost(traced.externalParams, traced.parameters, parameterNames(program.owner));
    return { session, traced: { inputs: traced.inputs, outputs: traced.outputs }, queue: Promise.resolve() };
  }

  /** The session options, with the folder ONNX Runtime resolves external data against when there is some. */
  private sessionOptions(folder: string | undefined): OrtWeb.InferenceSession.SessionOptions {
    const { sessionOptions } = this.options;
    if (folder === undefined) return sessionOptions;
    const session = { ...(sessionOptions.extra?.session as Record<string, string> | undefined), model_external_initializers_file_folder_path: folder };
    return { ...sessionOptions, extra: { ...sessionOptions.extra, session } };
  }

  private toOrt(t: HostTensor): OrtTensor {
    const { Tensor } = this.options.ort;
    if (t.dtype === 'float32') return new Tensor('float32', t.data as Float32Array, t.shape);
    // int32 at the contract, INT64 in the graph (as Hugging Face exports take input_ids).
    const wide = new BigInt64Array(t.data.length);
    for (let i = 0; i < wide.length; i++) wide[i] = BigInt(t.data[i]!);
    return new Tensor('int64', wide, t.shape);
  }

  release(owner: object, _params: Iterable<Parameter>): void {
    // Parameters live only inside the owner's sessions, so dropping those frees them too.
    const entries = this.sessions.get(owner);
    if (!entries) return;
    this.sessions.delete(owner);
    this.finalizer.unregister(entries);
    this.releaseEntries(entries);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const state of [...this.states]) state.dispose();
    const all = [...this.live];
    this.live.clear();
    await Promise.all(all.map((entry) => releaseSession(entry)));
  }

  private releaseEntries(entries: Map<string, CacheEntry>): void {
    for (const entry of entries.values()) {
      this.live.delete(entry);
      void releaseSession(entry);
    }
    entries.clear();
  }
}

/**
 * ONNX Runtime has no autodiff here, and parameters are baked into each compiled session, so programs that
 * differentiate or write parameters (training) are refused before anything is traced.
 */
function refuseTraining(program: Program, backendName: string): void {
  const what = program.gradients ? 'differentiates its loss' : Object.keys(program.parameterOutputs ?? {}).length ? 'writes parameters' : undefined;
  if (what) {
    throw new UnsupportedError(
      `${backendName}: program "${program.key}" ${what}; training needs the tfjs engine (createTfjsBackend from @attnjs/backend-tfjs)`,
    );
  }
}

/** Releases once pending runs are done; a session that failed to build has nothing to release. */
async function releaseSession(entry: CacheEntry): Promise<void> {
  try {
    const compiled = await entry.ready;
    await compiled.queue;
    await compiled.session.release();
  } catch {
    // Nothing to free.
  }
}

function validateInputs(inputs: Record<string, HostTensor>): [string, HostTensor][] {
  if (inputs === null || typeof inputs !== 'object') throw new InputError('inputs must be an object of host tensors');
  return Object.entries(inputs).map(([name, t]) => {
    const ok = t && (t.dtype === 'float32' ? t.data instanceof Float32Array : t.dtype === 'int32' && t.data instanceof Int32Array);
    if (!ok) throw new InputError(`input "${name}" must be a float32 or int32 host tensor with matching data`);
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new InputError(`input "${name}" has an invalid shape [${String(t.shape)}]`);
    }
    if (t.data.length !== sizeOf(t.shape)) throw new ShapeMismatchError(name, [t.data.length], t.shape);
    return [name, t];
  });
}

/** The contract dtype of an ONNX Runtime tensor (int32 at the contract is INT64 in the graph). */
const ortDType = (t: OrtTensor): DType => (t.type === 'float32' ? 'float32' : 'int32');

function fromOrt(t: OrtTensor | undefined, dtype: DType): HostTensor {
  if (!t) throw new BackendError('ONNX Runtime returned no value for an output');
  const shape = t.dims.map(Number);
  if (dtype === 'float32') return { dtype, shape, data: t.data as Float32Array };
  const wide = t.data as BigInt64Array;
  const data = new Int32Array(wide.length);
  for (let i = 0; i < wide.length; i++) data[i] = Number(wide[i]);
  return { dtype, shape, data };
}
