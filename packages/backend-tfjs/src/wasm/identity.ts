import * as tf from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * tfjs saves every tensor a gradient needs by running the Identity kernel on it, and tfjs-backend-wasm's
 * Identity copies the bytes: a training step copied each saved activation and weight once more (434
 * copies per nanoGPT step; for BERT-base every weight, ~440 MB of heap). tfjs tensors are immutable
 * (a variable's `assign` takes new data, it never writes in place), so Identity can share the input's
 * data and count a reference, as tfjs-backend-cpu's Identity and wasm's own Reshape already do.
 */
export function shareIdentityData(): void {
  if (tf.getKernel('Identity', 'wasm')) tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}
