import { BackendError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { registerAdamW } from './kernels/adamw.js';
import { registerWebglAdamW } from './kernels/adamw-webgl.js';
import { registerWebgpuAdamW } from './kernels/adamw-webgpu.js';
import { registerSumOfSquares } from './kernels/sum-of-squares.js';
import { shareIdentityData } from './wasm/identity.js';
import { registerBatchedMatMul } from './wasm/batched-matmul.js';
import type { WasmBackend } from './wasm/override.js';
import { gatherRuns } from './wasm/gather.js';
import { registerGeluTanhGrad } from './wasm/gelu-grad.js';
import { sliceFromHeap } from './wasm/slice.js';
import { sumLeadingAxes } from './wasm/sum.js';
import { transposeByRuns } from './wasm/transpose.js';
import { describeWasmPaths, type WasmPaths, wasmInitError } from './wasm-paths.js';

/** tfjs backends this engine can run on; each name is also tfjs's own backend name. */
export const TFJS_DEVICES = ['cpu', 'wasm', 'webgl', 'webgpu'] as const;
export type TfjsDevice = (typeof TFJS_DEVICES)[number];

/** Importing a tfjs backend package registers its factory; webgl and webgpu are optional peers. */
const PACKAGES: Record<TfjsDevice, { name: string; load: () => Promise<unknown> }> = {
  cpu: { name: '@tensorflow/tfjs-backend-cpu', load: () => import('@tensorflow/tfjs-backend-cpu') },
  wasm: { name: '@tensorflow/tfjs-backend-wasm', load: () => import('@tensorflow/tfjs-backend-wasm') },
  webgl: { name: '@tensorflow/tfjs-backend-webgl', load: () => import('@tensorflow/tfjs-backend-webgl') },
  webgpu: { name: '@tensorflow/tfjs-backend-webgpu', load: () => import('@tensorflow/tfjs-backend-webgpu') },
};

export function isDevice(device: unknown): device is TfjsDevice {
  return typeof device === 'string' && (TFJS_DEVICES as readonly string[]).includes(device);
}

const initialised = new Map<TfjsDevice, Promise<void>>();
const initialising = new Set<Promise<unknown>>();
/** The wasmPaths the wasm device was started with: tfjs reads them once, when the module loads. */
let wasmStartedWith: WasmPaths | undefined;

/** Loads and initialises a device once per process; concurrent callers share the attempt, a failure is retried. */
export function initDevice(device: TfjsDevice, wasmPaths?: WasmPaths): Promise<void> {
  let pending = initialised.get(device);
  if (pending && wasmPaths !== undefined && JSON.stringify(wasmPaths) !== JSON.stringify(wasmStartedWith)) {
    const error = new BackendError(
      `tfjs device "wasm" was already started with wasmPaths ${describeWasmPaths(wasmStartedWith)}; wasmPaths ` +
        `${JSON.stringify(wasmPaths)} cannot take effect (tfjs reads it once per page or process, at the first wasm backend)`,
    );
    return pending.then(() => Promise.reject(error));
  }
  if (!pending) {
    if (device === 'wasm') wasmStartedWith = wasmPaths;
    pending = load(device, wasmPaths);
    initialised.set(device, pending);
    const settled: Promise<unknown> = pending.then(
      () => initialising.delete(settled),
      () => (initialising.delete(settled), initialised.delete(device)),
    );
    initialising.add(settled);
  }
  return pending;
}

/**
 * tfjs refuses every op, on every backend, while an asynchronous backend init (wasm, webgpu) is pending.
 * Callers await this and then, in the same synchronous stretch, check `initialisingNow()` again.
 */
export const initialisingNow = (): boolean => initialising.size > 0;
export const anyInitialised = (): Promise<unknown> => Promise.allSettled([...initialising]);

async function load(device: TfjsDevice, wasmPaths: WasmPaths | undefined): Promise<void> {
  const { name, load: importPackage } = PACKAGES[device];
  let module: unknown;
  try {
    module = await importPackage();
  } catch (error) {
    throw new BackendError(`tfjs device "${device}" needs ${name}, which could not be imported`, { cause: error });
  }
  if (wasmPaths !== undefined) {
    try {
      (module as { setWasmPaths(paths: WasmPaths): void }).setWasmPaths(wasmPaths);
    } catch (error) {
      // tfjs refuses new paths after a failed start in the same page or process.
      throw new BackendError(`tfjs device "wasm" could not take wasmPaths: ${(error as Error).message}`, { cause: error });
    }
  }
  if (tf.findBackendFactory(device) == null) {
    // webgpu registers only where navigator.gpu exists.
    throw new BackendError(`tfjs device "${device}" is not available in this environment`);
  }
  const previous = tf.getBackend();
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(device);
  } catch (error) {
    cause = error;
  }
  const backend = tf.findBackend(device);
  if (!ok || backend == null) {
    // A failed setBackend leaves tfjs with no active backend; give back the one it had.
    if (previous && previous !== device && tf.findBackend(previous)) await tf.setBackend(previous);
    if (device === 'wasm') throw wasmInitError(wasmPaths, cause);
    throw new BackendError(`tfjs device "${device}" failed to initialise in this environment`, { cause });
  }
  if (device === 'wasm') {
    shareIdentityData();
    sliceFromHeap();
    transposeByRuns();
    sumLeadingAxes();
    gatherRuns();
    registerBatchedMatMul(backend as unknown as WasmBackend);
    registerGeluTanhGrad();
  }
  if (device === 'wasm' || device === 'cpu') {
    registerAdamW(device);
    registerSumOfSquares(device);
  }
  if (device === 'webgl') registerWebglAdamW();
  if (device === 'webgpu') registerWebgpuAdamW();
  // tfjs-backend-cpu greets every Node process once, advising tfjs-node (which a library cannot choose
  // for its users); clearing its first-use flag keeps our users' stderr quiet.
  if (device === 'cpu') Object.assign(backend, { firstUse: false });
}

/** The instance tfjs runs ops on; `getBackend()` gives only its name, which an overlapping init can desync. */
const activeInstance = () => (tf.engine() as unknown as { backendInstance: unknown }).backendInstance;

/**
 * Makes `device` tfjs's active backend. tfjs has one global backend; for an initialised one setBackend
 * switches synchronously, so the caller's synchronous build that follows runs on `device`. Both the name
 * and the instance are checked: a setBackend still awaiting another device's init sets the instance late.
 */
export function activate(device: TfjsDevice): void {
  const target = tf.findBackend(device);
  if (target == null) throw new BackendError(`tfjs device "${device}" has been removed from tfjs`);
  if (tf.getBackend() !== device || activeInstance() !== target) void tf.setBackend(device);
  if (tf.getBackend() !== device || activeInstance() !== target) {
    throw new BackendError(`tfjs could not switch to device "${device}"`);
  }
}
