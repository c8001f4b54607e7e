// Gradients are registered once, by side effect: tfjs-core alone has none.
import './gradients.js';
import { BackendError, UnsupportedError } from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import { TfjsBackend } from './backend.js';
import { initDevice, isDevice, TFJS_DEVICES, type TfjsDevice } from './devices.js';
import { checkWasmPaths, type WasmPaths } from './wasm-paths.js';

export { TfjsBackend, type ValueAndGrads } from './backend.js';
export { TFJS_DEVICES, type TfjsDevice } from './devices.js';
export { WASM_BINARIES, type WasmPaths } from './wasm-paths.js';

export interface TfjsBackendOptions {
  /** `cpu` and `wasm` work in Node and browsers; `webgl` and `webgpu` need a browser and their peer package. */
  readonly device: TfjsDevice;
  /**
   * `wasm` only: where tfjs-backend-wasm's `.wasm` files are served, a folder ending in `/` (e.g.
   * `'/assets/tfjs-wasm/'`) or one URL per binary, as tfjs's `setWasmPaths` takes. Read once, by the
   * first wasm backend of the page or process.
   */
  readonly wasmPaths?: WasmPaths;
  /**
   * Use the fused linear, layerNorm, gelu, AdamW and sum-of-squares kernels (default true). With false, core decomposes them into
   * primitive ops, as it does for an engine that lacks them: slower, and meant for testing those decompositions.
   */
  readonly fusedKernels?: boolean;
}

/** Creates a TensorFlow.js engine on one device; several engines on different devices may coexist. */
export async function createTfjsBackend(options: TfjsBackendOptions): Promise<TfjsBackend> {
  const device = options?.device;
  if (!isDevice(device)) {
    throw new BackendError(`unknown tfjs device "${String(device)}"; valid devices are ${TFJS_DEVICES.join(', ')}`);
  }
  checkOptions(options, ['device', 'wasmPaths', 'fusedKernels'], 'createTfjsBackend');
  const { wasmPaths } = options;
  if (wasmPaths !== undefined) {
    if (device !== 'wasm') throw new UnsupportedError(`wasmPaths applies to device "wasm" only, not "${device}"`);
    checkWasmPaths(wasmPaths);
  }
  const fusedKernels = options.fusedKernels ?? true;
  if (typeof fusedKernels !== 'boolean') throw new UnsupportedError(`fusedKernels must be true or false, got ${String(fusedKernels)}`);
  await initDevice(device, wasmPaths);
  return new TfjsBackend(device, fusedKernels);
}
