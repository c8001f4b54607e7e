/**
 * createOrtBackend's options: which ONNX Runtime, which execution provider, how many threads.
 * Every accepted option takes effect; anything else is a typed error before a session exists.
 */
import { BackendError, UnsupportedError } from '@attnjs/core';
import { importNodeBuiltin } from '@attnjs/core/internal';
import type * as OrtWeb from 'onnxruntime-web';
import type { HostWeights } from './file-weights.js';

/** What this backend uses of an ONNX Runtime module; `onnxruntime-web` and `onnxruntime-node` both fit. */
export type OrtModule = Pick<typeof OrtWeb, 'InferenceSession' | 'Tensor' | 'env'> & {
  /** onnxruntime-node only: the execution providers this build has. */
  readonly listSupportedBackends?: () => readonly { readonly name: string; readonly bundled: boolean }[];
};

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface OrtBackendOptions {
  /** `await import('onnxruntime-node')` to run natively in Node; default `onnxruntime-web` (wasm). */
  readonly ort?: OrtModule;
  /** onnxruntime-web: `['wasm']` (default) or `['webgpu']` (browser only). onnxruntime-node: `['cpu']` (default) or another EP the build bundles. */
  readonly executionProviders?: readonly string[];
  /** Intra-op threads. Default in Node: the machine's cores, at most 4; in a page, onnxruntime-web's own. onnxruntime-web reads it once, at its first session. */
  readonly numThreads?: number;
  /** ONNX Runtime graph optimisations; default `all` (fusions, constant folding, layout). */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Trace linear, layerNorm and gelu with their fused ONNX nodes (default true). With false, core's
   * decompositions into elementary ops are traced instead: meant for testing those decompositions.
   */
  readonly fusedKernels?: boolean;
  /**
   * onnxruntime-node only (default true there): ONNX Runtime reads F32 weights straight from the
   * model.safetensors file they were loaded from (ONNX external data) instead of from a copy embedded in
   * each session's model. Weights that do not qualify (F16/BF16 files, weights from a URL or from bytes,
   * arrays changed since loading) are embedded either way. onnxruntime-web copies every weight into its
   * wasm memory, so it has no such mode: `true` there is an `UnsupportedError`.
   */
  readonly weightsFromFile?: boolean;
  /**
   * What happens to a parameter's host array once a session reads the weight from its file:
   * `'keep'` (default) leaves `parameter.value` as it was; `'release'` drops it, so the weights are held
   * once, by ONNX Runtime, and `parameter.value` throws `HostWeightsReleasedError` until a new value is
   * assigned. Parameters not read from a file keep their host arrays. `'release'` needs `weightsFromFile`.
   */
  readonly hostWeights?: HostWeights;
}

export interface ResolvedOptions {
  readonly name: string;
  readonly ort: OrtModule;
  readonly sessionOptions: OrtWeb.InferenceSession.SessionOptions;
  readonly weightsFromFile: boolean;
  readonly hostWeights: HostWeights;
}

const HOST_WEIGHTS: readonly HostWeights[] = ['keep', 'release'];

/** Checks weightsFromFile and hostWeights; `isNode`: the runtime is onnxruntime-node. */
function weightOptions(options: OrtBackendOptions, isNode: boolean): Pick<ResolvedOptions, 'weightsFromFile' | 'hostWeights'> {
  const { weightsFromFile = isNode, hostWeights = 'keep' } = options;
  if (typeof weightsFromFile !== 'boolean') throw new UnsupportedError(`weightsFromFile must be true or false, got ${String(weightsFromFile)}`);
  if (!HOST_WEIGHTS.includes(hostWeights)) throw new UnsupportedError(`hostWeights "${String(hostWeights)}" is not one of ${HOST_WEIGHTS.join(', ')}`);
  if (weightsFromFile && !isNode) {
    throw new UnsupportedError('weightsFromFile needs onnxruntime-node: onnxruntime-web copies every weight into its wasm memory');
  }
  if (hostWeights === 'release' && !weightsFromFile) {
    throw new UnsupportedError(
      `hostWeights "release" needs weightsFromFile (${isNode ? 'it was set to false' : 'onnxruntime-node only'}): without it ONNX Runtime has no copy of the weights to fall back on`,
    );
  }
  return { weightsFromFile, hostWeights };
}

const LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];
const WEB_PROVIDERS = ['wasm', 'cpu', 'webgpu'];

const runningInNode = () => typeof process !== 'undefined' && Boolean(process.versions?.node);

async function defaultThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  let cores = nav?.hardwareConcurrency;
  if (!cores && runningInNode()) cores = (await importNodeBuiltin<typeof import('node:os')>('node:os')).availableParallelism();
  // More than 4 intra-op threads rarely pays off for batch-1 transformer inference (and is what
  // onnxruntime-web itself caps at).
  return Math.max(1, Math.min(4, cores ?? 1));
}

/**
 * onnxruntime-web is an optional peer dependency: the app installs it (one copy, whose `env` settings
 * are the ones used) or passes another runtime as `ort`. `load` is replaceable for tests.
 */
export async function importOrtWeb(load: () => Promise<unknown> = () => import('onnxruntime-web')): Promise<OrtModule> {
  try {
    return (await load()) as OrtModule;
  } catch (error) {
    throw new BackendError(
      `onnxruntime-web could not be imported (${error instanceof Error ? error.message : String(error)}): ` +
        "install onnxruntime-web or pass { ort: await import('onnxruntime-node') }",
      { cause: error },
    );
  }
}

interface WebGpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<unknown>;
}

/**
 * Checks at creation that WebGPU can run here: onnxruntime-web would otherwise fail only at the first
 * session. An adapter the app gave onnxruntime-web (`env.webgpu.adapter`) counts.
 */
export async function requireWebgpuAdapter(ort: OrtModule, gpu = (globalThis as { navigator?: { gpu?: WebGpu } }).navigator?.gpu): Promise<void> {
  const settings = (ort.env as { webgpu?: { adapter?: unknown; powerPreference?: string } }).webgpu;
  if (settings?.adapter) return;
  if (!gpu) throw new BackendError('WebGPU is not available here (no navigator.gpu); use executionProviders: ["wasm"]');
  let adapter: unknown;
  try {
    adapter = await gpu.requestAdapter(settings?.powerPreference ? { powerPreference: settings.powerPreference } : undefined);
  } catch (error) {
    throw new BackendError(`WebGPU: navigator.gpu.requestAdapter() failed (${String(error)}); use executionProviders: ["wasm"]`, { cause: error });
  }
  if (!adapter) {
    throw new BackendError(
      'WebGPU has no usable adapter here: navigator.gpu.requestAdapter() returned null (no GPU, a blocklisted driver, or ' +
        'WebGPU disabled in this browser); use executionProviders: ["wasm"]',
    );
  }
}

export async function resolveOptions(options: OrtBackendOptions = {}): Promise<ResolvedOptions> {
  const level = options.graphOptimizationLevel ?? 'all';
  if (!LEVELS.includes(level)) {
    throw new UnsupportedError(`graphOptimizationLevel "${String(level)}" is not one of ${LEVELS.join(', ')}`);
  }
  const { numThreads } = options;
  if (numThreads !== undefined && !(Number.isInteger(numThreads) && numThreads >= 1)) {
    throw new UnsupportedError(`numThreads must be a positive integer, got ${String(numThreads)}`);
  }
  const ort = options.ort ?? (await importOrtWeb());
  if (!ort?.InferenceSession || !ort.Tensor || !ort.env) {
    throw new BackendError('the `ort` option is not an ONNX Runtime module (onnxruntime-web or onnxruntime-node)');
  }
  const threads = numThreads ?? (await defaultThreads());
  const isNode = Boolean(ort.env.versions?.node) || typeof ort.listSupportedBackends === 'function';
  const weights = weightOptions(options, isNode);
  const providers = [...(options.executionProviders ?? [isNode ? 'cpu' : 'wasm'])];
  if (providers.length === 0) throw new UnsupportedError('executionProviders is empty');

  if (isNode) {
    const available = new Map((ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }]).map((b) => [b.name, b.bundled]));
    for (const p of providers) {
      if (!available.has(p)) throw new UnsupportedError(`onnxruntime-node has no execution provider "${p}" (known: ${[...available.keys()].join(', ')})`);
      if (!available.get(p)) throw new BackendError(`execution provider "${p}" is not bundled with this onnxruntime-node install`);
    }
    return {
      name: 'ort-node',
      ort,
      sessionOptions: { executionProviders: providers, graphOptimizationLevel: level, intraOpNumThreads: threads },
      ...weights,
    };
  }

  for (const p of providers) {
    if (!WEB_PROVIDERS.includes(p)) throw new UnsupportedError(`onnxruntime-web execution provider "${p}" is not supported (use ${WEB_PROVIDERS.join(', ')})`);
  }
  const webgpu = providers.includes('webgpu');
  if (webgpu) await requireWebgpuAdapter(ort);
  // The wasm module reads its thread count when it first starts; later backends cannot change it. In a
  // page, onnxruntime-web picks its own default (threads only under cross-origin isolation).
  if (ort.env.wasm && (numThreads !== undefined || runningInNode())) ort.env.wasm.numThreads = threads;
  return {
    name: webgpu && providers[0] === 'webgpu' ? 'ort-web-webgpu' : 'ort-web-wasm',
    ort,
    sessionOptions: { executionProviders: providers, graphOptimizationLevel: level },
    ...weights,
  };
}
