import { AttnError, BackendError, hostTensor, InputError, Parameter, ShapeMismatchError, UnsupportedError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend, type TfjsBackend } from '../dist/index.js';

const vector = (values: number[]) => hostTensor(Float32Array.from(values), [values.length]);

describe('createTfjsBackend', () => {
  // First in this file, so that the wasm device is still initialising while cpu is asked to run.
  it('lets a cpu backend run while a wasm backend is being created', async () => {
    const cpu = await createTfjsBackend({ device: 'cpu' });
    const program = { owner: {}, key: 'double', build: (ops: any, x: any) => ({ y: ops.add(x.x, x.x) }) };
    const creating = createTfjsBackend({ device: 'wasm' });
    while (tf.getBackend() !== 'wasm') await new Promise((resolve) => setTimeout(resolve, 1)); // wasm's init has begun
    // tfjs refuses every op while an async init is pending; the run waits for it, then switches to cpu.
    const { y } = await cpu.run(program, { x: vector([1, 2]) });
    const wasm = await creating;
    expect([...y.data]).toEqual([2, 4]);
    expect([...(await cpu.run(program, { x: vector([3, 4]) })).y.data]).toEqual([6, 8]);
    expect(tf.engine().backend).toBe(tf.findBackend('cpu'));
    await Promise.all([cpu.dispose(), wasm.dispose()]);
  });

  it('rejects an unknown device, naming it and the valid ones', async () => {
    const attempt = createTfjsBackend({ device: 'tpu' as never });
    await expect(attempt).rejects.toThrow(BackendError);
    await expect(attempt).rejects.toThrow(/"tpu".*cpu, wasm, webgl, webgpu/);
  });

  it.each(['webgl', 'webgpu'] as const)('turns a %s device that cannot start in Node into a BackendError', async (device) => {
    await expect(createTfjsBackend({ device })).rejects.toThrow(BackendError);
  });

  it('fusedKernels: false leaves linear, layerNorm and gelu to core; a non-boolean is an UnsupportedError', async () => {
    for (const [fusedKernels, want] of [[undefined, ['linear', 'layerNorm', 'gelu']], [false, []]] as const) {
      const backend = await createTfjsBackend({ device: 'cpu', fusedKernels });
      let seen: string[] = [];
      const build = (ops: any, x: any) => {
        seen = ['linear', 'layerNorm', 'gelu'].filter((name) => ops.kernels[name] !== undefined);
        return { y: ops.gelu(x.x, 'tanh') };
      };
      await backend.run({ owner: {}, key: 'gelu', build }, { x: vector([1, 2]) });
      expect(seen, `fusedKernels ${fusedKernels}`).toEqual(want);
      await backend.dispose();
    }
    const attempt = createTfjsBackend({ device: 'cpu', fusedKernels: 0 as never });
    await expect(attempt).rejects.toThrow(UnsupportedError);
    await expect(attempt).rejects.toThrow('fusedKernels must be true or false, got 0');
  });

  it('names the backend after the device', async () => {
    const backend = await createTfjsBackend({ device: 'cpu' });
    expect(backend.name).toBe('tfjs-cpu');
    await backend.dispose();
  });
});

describe('two tfjs backends in one process', () => {
  let cpu: TfjsBackend;
  let wasm: TfjsBackend;
  beforeAll(async () => {
    [cpu, wasm] = await Promise.all([createTfjsBackend({ device: 'cpu' }), createTfjsBackend({ device: 'wasm' })]);
  });
  afterAll(async () => {
    await cpu.dispose();
    await wasm.dispose();
  });

  it('each keeps its parameter copies on its own device while they alternate', async () => {
    const w = new Parameter([3]);
    w.value = vector([1, -2, 4]);
    const program = { owner: {}, key: 'scale', build: (ops: any, x: any) => ({ y: ops.mul(x.x, ops.param(w)) }) };
    const dataIds = () => [tf.findBackend('cpu')!.numDataIds(), tf.findBackend('wasm')!.numDataIds()];
    await cpu.run(program, { x: vector([1, 1, 1]) });
    await wasm.run(program, { x: vector([1, 1, 1]) });
    const settled = dataIds();
    for (let i = 0; i < 10; i++) {
      const backend = i % 2 ? cpu : wasm;
      const { y } = await backend.run(program, { x: vector([i, 1, 2]) });
      expect([...y.data]).toEqual([i, -2, 8]);
      expect(tf.getBackend()).toBe(backend.device);
    }
    // A parameter used on the other device would have been moved there by tfjs, changing these counts.
    expect(dataIds()).toEqual(settled);
  });

  it('uploads a parameter again when its value is replaced, and never aliases it in outputs', async () => {
    const w = new Parameter([2]);
    w.value = vector([1, 2]);
    const program = { owner: {}, key: 'identity', build: (ops: any) => ({ y: ops.param(w) }) };
    for (const backend of [cpu, wasm]) {
      w.value = vector([1, 2]);
      const first = await backend.run(program, {});
      (first.y.data as Float32Array)[0] = 99; // must not reach the engine's copy
      expect([...(await backend.run(program, {})).y.data]).toEqual([1, 2]);
      w.value = vector([5, 6]);
      expect([...(await backend.run(program, {})).y.data]).toEqual([5, 6]);
    }
  });
});

describe('run', () => {
  let backend: TfjsBackend;
  beforeAll(async () => {
    backend = await createTfjsBackend({ device: 'cpu' });
  });
  afterAll(() => backend.dispose());

  it('downloads float32 as Float32Array and int32 as Int32Array', async () => {
    const out = await backend.run(
      { owner: {}, key: 'dtypes', build: (ops, x) => ({ f: ops.exp(x.x!), i: ops.argmax(x.x!, -1) }) },
      { x: hostTensor(new Float32Array([0, 3, 1, 2, 0, 1]), [2, 3]) },
    );
    expect(out.f.data).toBeInstanceOf(Float32Array);
    expect(out.f.data[1]).toBeCloseTo(Math.exp(3), 4);
    expect(out.i).toEqual({ dtype: 'int32', shape: [2], data: new Int32Array([1, 0]) });
  });

  it('rejects an input whose data does not fill its shape', async () => {
    const bad = { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } as const;
    await expect(backend.run({ owner: {}, key: 'bad', build: (ops, x) => ({ y: x.x! }) }, { x: bad })).rejects.toThrow(ShapeMismatchError);
  });

  it('gives typed errors for bad shapes, axes and dtypes inside a program', async () => {
    const x = hostTensor(new Float32Array(6), [2, 3]);
    const ids = hostTensor(new Int32Array([0]), [1]);
    const cases: [string, (ops: any, t: any) => unknown, new (...args: never[]) => AttnError][] = [
      ['reshape to the wrong size', (ops, t) => ops.reshape(t.x, [4, -1]), ShapeMismatchError],
      ['reshape with two −1', (ops, t) => ops.reshape(t.x, [-1, -1]), ShapeMismatchError],
      ['axis out of range', (ops, t) => ops.sum(t.x, [2]), InputError],
      ['matmul inner mismatch', (ops, t) => ops.matmul(t.x, t.x), ShapeMismatchError],
      ['mixed dtypes', (ops, t) => ops.add(t.x, t.ids), UnsupportedError],
      ['float ids', (ops, t) => ops.gather(t.x, t.x), InputError],
      ['transpose with a repeated axis', (ops, t) => ops.transpose(t.x, [0, 0]), InputError],
    ];
    for (const [key, body, type] of cases) {
      await expect(backend.run({ owner: {}, key, build: (ops, t) => ({ y: body(ops, t) as never }) }, { x, ids }), key).rejects.toThrow(type);
    }
  });

  it('matmul broadcasts batches tfjs alone would not pair ([3,1] with [3])', async () => {
    const a = hostTensor(Float32Array.from({ length: 3 * 2 * 2 }, (_, i) => i), [3, 1, 2, 2]);
    const b = hostTensor(Float32Array.from({ length: 3 * 2 * 2 }, (_, i) => 1 - i), [3, 2, 2]);
    const { y } = await backend.run({ owner: {}, key: 'bmm', build: (ops, t) => ({ y: ops.matmul(t.a!, t.b!) }) }, { a, b });
    expect(y.shape).toEqual([3, 3, 2, 2]);
    // y[i, j] = a[i, 0] · b[j]; check i = 2, j = 0: [[8, 9], [10, 11]] · [[1, 0], [-1, -2]]
    expect([...y.data.subarray((2 * 3 + 0) * 4, (2 * 3 + 1) * 4)]).toEqual([-1, -18, -1, -22]);
  });

  it('refuses to run after dispose', async () => {
    const other = await createTfjsBackend({ device: 'cpu' });
    await other.dispose();
    await expect(other.run({ owner: {}, key: 'k', build: () => ({}) }, {})).rejects.toThrow(BackendError);
  });
});
