/**
 * The Backend on both ONNX Runtimes: one trace per (owner, key, input signature) replayed at new sizes,
 * release and dispose, input validation, and how errors surface.
 */
import {
  type Backend,
  BackendError,
  type HostTensor,
  hostTensor,
  InputError,
  type Ops,
  Parameter,
  type Program,
  ShapeMismatchError,
  type Tensor,
  UnsupportedError,
} from '@attnjs/core';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrtBackend, type OrtModule } from '../src/index.js';
import { expectClose, ORT_ENGINES, ortNode, randomFloats, seeded } from './helpers.js';

type Build = (ops: Ops, x: Record<string, Tensor>) => Record<string, Tensor>;

/** A program that counts how often it is traced. */
function counted(build: Build, key = 'p', owner: object = {}) {
  const program = {
    owner,
    key,
    traces: 0,
    build(ops: Ops, x: Record<string, Tensor>) {
      program.traces++;
      return build(ops, x);
    },
  };
  return program;
}

/** softmax(x·2 + 1) over the last axis, in float64. */
function reference(x: HostTensor): number[] {
  const n = x.shape[x.shape.length - 1]!;
  const out: number[] = [];
  for (let i = 0; i < x.data.length; i += n) {
    const row = Array.from(x.data.subarray(i, i + n), (v) => v * 2 + 1);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}
const softmaxProgram: Build = (ops, x) => ({ y: ops.softmax(ops.add(ops.mul(x.x!, ops.scalar(2)), ops.scalar(1))) });

describe.each(ORT_ENGINES)('backend on $name', (engine) => {
  let backend: Backend;
  const random = seeded(7);
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('is named after the runtime', () => {
    expect(backend.name).toBe(engine.name === 'ort-node' ? 'ort-node' : 'ort-web-wasm');
  });

  it('traces once and replays the session for new batch and sequence sizes', async () => {
    const program = counted(softmaxProgram);
    for (const shape of [[1, 3, 5], [2, 7, 5], [4, 1, 5]]) {
      const x = randomFloats(random, shape);
      const { y } = await backend.run(program, { x });
      expect(y!.shape).toEqual(shape);
      expectClose(y!.data, reference(x), 1e-6, 0, `softmax at [${shape}]`);
    }
    expect(program.traces).toBe(1);
  });

  it('traces again for another key, owner, rank or dtype', async () => {
    const owner = {};
    const a = counted(softmaxProgram, 'a', owner);
    const b = counted(softmaxProgram, 'b', owner);
    const c = counted(softmaxProgram, 'a', {});
    for (const p of [a, b, c]) await backend.run(p, { x: randomFloats(random, [2, 3]) });
    await backend.run(a, { x: randomFloats(random, [2, 2, 3]) }); // rank 3
    const cast: Build = (ops, x) => ({ y: ops.cast(x.x!, 'float32') });
    const d = counted(cast, 'd');
    await backend.run(d, { x: randomFloats(random, [3]) });
    await backend.run(d, { x: hostTensor(new Int32Array([1, 2, 3]), [3]) });
    expect([a.traces, b.traces, c.traces, d.traces]).toEqual([2, 1, 1, 2]);
  });

  it('concurrent first runs share one trace and one session', async () => {
    const program = counted(softmaxProgram);
    const xs = [[2, 4], [3, 4], [1, 4]].map((s) => randomFloats(random, s));
    const outs = await Promise.all(xs.map((x) => backend.run(program, { x })));
    outs.forEach(({ y }, i) => expectClose(y!.data, reference(xs[i]!), 1e-6, 0, `run ${i}`));
    expect(program.traces).toBe(1);
  });

  it('release drops the owner’s sessions; the next run traces again', async () => {
    const program = counted(softmaxProgram);
    await backend.run(program, { x: randomFloats(random, [2, 3]) });
    backend.release(program.owner, []);
    const x = randomFloats(random, [2, 3]);
    const { y } = await backend.run(program, { x });
    expectClose(y!.data, reference(x), 1e-6, 0, 'after release');
    expect(program.traces).toBe(2);
  });

  it('int32 in and out: ids are INT64 in the graph and come back as Int32Array', async () => {
    const program: Program = { owner: {}, key: 'ints', build: (ops, x) => ({
      best: ops.argmax(x.x!, -1),
      shifted: ops.add(x.ids!, ops.scalar(-3, 'int32')),
      positions: ops.range(x.ids!, 1, 5),
    }) };
    const x = hostTensor(new Float32Array([0, 3, 1, 9, 2, 2]), [2, 3]);
    const ids = hostTensor(new Int32Array([7, -1, 2 ** 31 - 4, 0]), [2, 2]);
    const out = await backend.run(program, { x, ids });
    expect(out.best!.data).toEqual(new Int32Array([1, 0]));
    expect(out.shifted!.data).toEqual(new Int32Array([4, -4, 2 ** 31 - 7, -3]));
    expect(out.positions!.data).toEqual(new Int32Array([5, 6]));
    expect(out.positions!.shape).toEqual([2]);
  });

  it('returns an input, and one tensor under two names', async () => {
    const program: Program = { owner: {}, key: 'copies', build: (ops, x) => {
      const y = ops.neg(x.x!);
      return { same: x.x!, y, alsoY: y };
    } };
    const x = randomFloats(random, [2, 2]);
    const out = await backend.run(program, { x });
    expect(out.same!.data).toEqual(x.data);
    expect(out.alsoY!.data).toEqual(out.y!.data);
    expectClose(out.y!.data, Array.from(x.data, (v) => -v), 0, 0, 'neg');
  });

  it('invalid inputs are typed errors and leave nothing cached', async () => {
    const program = counted(softmaxProgram);
    const short = { dtype: 'float32', shape: [2, 3], data: new Float32Array(5) } as HostTensor;
    await expect(backend.run(program, { x: short })).rejects.toThrow(ShapeMismatchError);
    const mislabelled = { dtype: 'int32', shape: [2], data: new Float32Array(2) } as unknown as HostTensor;
    await expect(backend.run(program, { x: mislabelled })).rejects.toThrow(InputError);
    expect(program.traces).toBe(0);
  });

  it('errors thrown while tracing propagate as-is and are not cached', async () => {
    const mine = new RangeError('from the model');
    let fail = true;
    const program = counted((ops, x) => {
      if (fail) throw mine;
      return softmaxProgram(ops, x);
    });
    await expect(backend.run(program, { x: randomFloats(random, [1, 2]) })).rejects.toBe(mine);
    fail = false;
    await backend.run(program, { x: randomFloats(random, [1, 2]) });
    expect(program.traces).toBe(2);
  });

  it('failures inside ONNX Runtime are BackendErrors with the cause; the session stays usable', async () => {
    const program: Program = { owner: {}, key: 'add', build: (ops, x) => ({ y: ops.add(x.a!, x.b!) }) };
    const run = (n: number, m: number) =>
      backend.run(program, { a: randomFloats(random, [n]), b: randomFloats(random, [m]) });
    const error = await run(2, 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    // The cause is ONNX Runtime's own error about the shapes [2] and [3], and our message carries its text.
    const cause = (error as BackendError).cause;
    expect(cause).toBeInstanceOf(Error);
    expect((cause as Error).message).toMatch(/broadcast.*\b2 by 3\b/);
    expect((error as BackendError).message).toBe(`${backend.name}: running "add" failed: ${(cause as Error).message}`);
    expect((await run(4, 4)).y!.shape).toEqual([4]);

    const table: Program = { owner: {}, key: 'gather', build: (ops, x) => ({ y: ops.gather(x.t!, x.ids!) }) };
    await expect(backend.run(table, { t: randomFloats(random, [3, 2]), ids: hostTensor(new Int32Array([5]), [1]) })).rejects.toThrow(BackendError);
  });
});

describe('fusedKernels', () => {
  /** Which of the fused kernels the program's Ops sees: with none, core decomposes them. */
  const fusedSeen = async (backend: Backend) => {
    let seen: string[] = [];
    const build: Build = (ops, x) => {
      seen = (['linear', 'layerNorm', 'gelu'] as const).filter((name) => ops.kernels[name] !== undefined);
      return { y: ops.gelu(x.x!, 'tanh') };
    };
    await backend.run({ owner: {}, key: 'gelu', build }, { x: randomFloats(seeded(3), [2, 3]) });
    return seen;
  };

  it('true (the default) traces the fused nodes; false leaves linear, layerNorm and gelu to core', async () => {
    for (const [options, want] of [[{}, ['linear', 'layerNorm', 'gelu']], [{ fusedKernels: true }, ['linear', 'layerNorm', 'gelu']], [{ fusedKernels: false }, []]] as const) {
      const backend = await createOrtBackend({ ort: ortNode as unknown as OrtModule, ...options });
      expect(await fusedSeen(backend), JSON.stringify(options)).toEqual(want);
      await backend.dispose();
    }
  });

  it('anything but a boolean is an UnsupportedError naming the option and the value', async () => {
    const attempt = createOrtBackend({ fusedKernels: 'no' as never });
    await expect(attempt).rejects.toThrow(UnsupportedError);
    await expect(attempt).rejects.toThrow('fusedKernels must be true or false, got no');
  });
});

describe('dispose', () => {
  it('releases every session; later runs are BackendErrors', async () => {
    const backend = await createOrtBackend({ ort: ortNode as unknown as OrtModule });
    const program = counted(softmaxProgram);
    await backend.run(program, { x: randomFloats(seeded(1), [1, 2]) });
    await backend.dispose();
    await expect(backend.run(program, { x: randomFloats(seeded(1), [1, 2]) })).rejects.toThrow(BackendError);
  });
});

describe('options', () => {
  const node = ortNode as unknown as OrtModule;
  const web = ortWeb as unknown as OrtModule;

  it.each([
    ['an unknown web execution provider', { ort: web, executionProviders: ['quantum'] }, UnsupportedError],
    ['an unknown node execution provider', { ort: node, executionProviders: ['quantum'] }, UnsupportedError],
    ['an empty provider list', { ort: node, executionProviders: [] }, UnsupportedError],
    ['zero threads', { ort: node, numThreads: 0 }, UnsupportedError],
    ['fractional threads', { ort: web, numThreads: 1.5 }, UnsupportedError],
    ['an unknown optimisation level', { ort: node, graphOptimizationLevel: 'max' }, UnsupportedError],
    ['WebGPU where there is none (Node)', { ort: web, executionProviders: ['webgpu'] }, BackendError],
    ['a CUDA provider this install lacks', { ort: node, executionProviders: ['cuda'] }, BackendError],
    ['something that is not ONNX Runtime', { ort: {} }, BackendError],
  ] as const)('%s is a typed error', async (_, options, type) => {
    await expect(createOrtBackend(options as never)).rejects.toThrow(type);
  });

  it('one thread and no graph optimisation compute the same values', async () => {
    const backend = await createOrtBackend({ ort: node, numThreads: 1, graphOptimizationLevel: 'disabled' });
    const x = randomFloats(seeded(3), [3, 6]);
    const { y } = await backend.run(counted(softmaxProgram), { x });
    expectClose(y!.data, reference(x), 1e-6, 0, 'softmax');
    // An [out, in] weight laid out at trace time needs no optimiser to fold a Transpose.
    const w = randomFloats(seeded(4), [2, 6]);
    const weight = new Parameter([2, 6]);
    weight.value = w;
    const linear: Program = { owner: {}, key: 'linear', build: (ops, i) => ({ y: ops.linear(i.x!, ops.param(weight), undefined, 'outIn') }) };
    const out = await backend.run(linear, { x });
    const want = Array.from({ length: 6 }, (_, n) => {
      const [r, o] = [Math.floor(n / 2), n % 2];
      return Array.from({ length: 6 }, (_, i) => x.data[r * 6 + i]! * w.data[o * 6 + i]!).reduce((a, b) => a + b, 0);
    });
    expectClose(out.y!.data, want, 1e-5, 1e-5, 'linear outIn');
    await backend.dispose();
  });
});
