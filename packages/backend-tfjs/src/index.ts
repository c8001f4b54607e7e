// Gradients are registered once, by side effect: tfjs-core alone has none.
import './gradients.js';
import { BackendError } from '@attnjs/core';
import { TfjsBackend } from './backend.js';
import { initDevice, isDevice, TFJS_DEVICES, type TfjsDevice } from './devices.js';

export { TfjsBackend, type ValueAndGrads } from './backend.js';
export { TFJS_DEVICES, type TfjsDevice } from './devices.js';

export interface TfjsBackendOptions {
  /** `cpu` and `wasm` work in Node and browsers; `webgl` and `webgpu` need a browser and their peer package. */
  readonly device: TfjsDevice;
}

/** Creates a TensorFlow.js engine on one device; several engines on different devices may coexist. */
export async function createTfjsBackend(options: TfjsBackendOptions): Promise<TfjsBackend> {
  const device = options?.device;
  if (!isDevice(device)) {
    throw new BackendError(`unknown tfjs device "${String(device)}"; valid devices are ${TFJS_DEVICES.join(', ')}`);
  }
  await initDevice(device);
  return new TfjsBackend(device);
}
