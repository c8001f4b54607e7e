/**
 * The training half of the engine-state seam on cpu and wasm: `Program.gradients` writes (or adds)
 * d loss / d θ into state slots without returning them, `Program.parameterOutputs` replaces parameters'
 * engine copies (and wasm's cached transposed copies with them). Gradients are checked against a
 * hand-derived formula.
 */
import { hostTensor, InputError, Linear, ShapeMismatchError } from '@attnjs/core';
import type { Ops, Program, Tensor } from '@attnjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend, type TfjsBackend } from '../dist/index.js';

const [N, D, C] = [4, 3, 2];
const x = hostTensor(Float32Array.from({ length: N * D }, (_, i) => ((i * 7) % 5) - 2), [N, D]);
const r = hostTensor(Float32Array.from({ length: N * C }, (_, i) => ((i * 3) % 4) * 0.5 - 0.5), [N, C]);
const at = (t: { data: ArrayLike<number> }, i: number, width: number, j: number) => t.data[i * width + j]!;

/** loss = Σ y ⊙ r with y = x·Wᵀ + b: dW[c, j] = Σ_n r[n, c]·x[n, j], db[c] = Σ_n r[n, c]. */
const dW = Array.from({ length: C * D }, (_, k) => {
  const [c, j] = [Math.floor(k / D), k % D];
  return Array.from({ length: N }, (_, n) => at(r, n, C, c) * at(x, n, D, j)).reduce((a, b) => a + b, 0);
});
const db = Array.from({ length: C }, (_, c) => Array.from({ length: N }, (_, n) => at(r, n, C, c)).reduce((a, b) => a + b, 0));

describe.each(['cpu', 'wasm'] as const)('engine-side training on tfjs-%s', (device) => {
  let backend: TfjsBackend;
  beforeAll(async () => {
    backend = await createTfjsBackend({ device });
  });
  afterAll(() => backend.dispose());

  const layer = () => {
    const head = new Linear(D, C); // weight [C, D], used transposed: wasm caches an [in, out] copy
    head.weight.value.data.set([0.1, -0.2, 0.3, 0.4, 0.5, -0.6]);
    head.bias!.value.data.set([0.05, -0.05]);
    return head;
  };
  const lossProgram = (head: Linear, accumulate: boolean): Program => ({
    owner: head,
    key: `loss${accumulate}`,
    gradients: { wrt: [head.weight, head.bias!], into: ['grad.w', 'grad.b'], accumulate },
    build: (ops: Ops, v: Record<string, Tensor>) => ({ loss: ops.sum(ops.mul(head.forward(ops, v.x!), v.r!), [0, 1]) }),
  });
  const forward = (head: Linear): Program => ({ owner: head, key: 'forward', build: (ops, v) => ({ y: head.forward(ops, v.x!) }) });

  it('puts gradients into slots, adds them with accumulate, and returns only the loss', async () => {
    const head = layer();
    const state = backend.createState();
    const out = await backend.run(lossProgram(head, false), { x, r }, { state });
    expect(Object.keys(out)).toEqual(['loss']);
    expect(backend.memory().stateTensors).toBe(2);
    const near = (got: ArrayLike<number>, want: number[], scale: number) =>
      want.forEach((w, i) => expect(Math.abs(got[i]! - scale * w), `element ${i}`).toBeLessThanOrEqual(1e-5));
    near((await state.read('grad.w')).data, dW, 1);
    near((await state.read('grad.b')).data, db, 1);
    await backend.run(lossProgram(head, true), { x, r }, { state });
    near((await state.read('grad.w')).data, dW, 2);
    await backend.run(lossProgram(head, false), { x, r }, { state });
    near((await state.read('grad.b')).data, db, 1);
    state.dispose();
    backend.release(head, head.parameters());
  });

  it('replaces parameters\' engine copies (not the host values) through parameterOutputs', async () => {
    const head = layer();
    const before = Float32Array.from(head.weight.value.data);
    const y0 = await backend.run(forward(head), { x }); // warms wasm's transposed copy of the weight
    const state = backend.createState();
    await backend.run(lossProgram(head, false), { x, r }, { state });
    const step: Program = {
      owner: head,
      key: 'sgd',
      stateInputs: ['grad.w'],
      parameterOutputs: { w: head.weight },
      build: (ops, v) => ({ w: ops.sub(ops.param(head.weight), ops.mul(v['grad.w']!, ops.scalar(0.5))) }),
    };
    expect(await backend.run(step, {}, { state })).toEqual({});
    expect(head.weight.value.data).toEqual(before);
    const y1 = await backend.run(forward(head), { x });
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        // y changes by −0.5·Σ_j dW[c, j]·x[n, j]
        const change = -0.5 * Array.from({ length: D }, (_, j) => dW[c * D + j]! * at(x, n, D, j)).reduce((a, b) => a + b, 0);
        expect(Math.abs(at(y1.y!, n, C, c) - at(y0.y!, n, C, c) - change)).toBeLessThanOrEqual(1e-5);
      }
    }
    state.dispose();
    backend.release(head, head.parameters());
  });

  it('refuses malformed training programs with typed errors, changing nothing', async () => {
    const head = layer();
    const state = backend.createState();
    const tensorsBefore = backend.memory().tensors;
    await expect(backend.run(lossProgram(head, false), { x, r })).rejects.toThrow(/no \{ state \}/);
    const short = { ...lossProgram(head, false), gradients: { wrt: [head.weight, head.bias!], into: ['grad.w'] } };
    await expect(backend.run(short, { x, r }, { state })).rejects.toThrow(InputError);
    const wrongShape: Program = { owner: head, key: 'bad', parameterOutputs: { w: head.weight }, build: (ops) => ({ w: ops.param(head.bias!) }) };
    await expect(backend.run(wrongShape, {})).rejects.toThrow(ShapeMismatchError);
    const y = await backend.run(forward(head), { x });
    expect(Math.abs(at(y.y!, 0, C, 0) - (0.05 + 0.1 * at(x, 0, D, 0) - 0.2 * at(x, 0, D, 1) + 0.3 * at(x, 0, D, 2)))).toBeLessThan(1e-6);
    state.dispose();
    backend.release(head, head.parameters());
    expect(backend.memory().tensors).toBeLessThanOrEqual(tensorsBefore!);
  });
});

describe('x·wᵀ by a weight larger than the caches on tfjs-wasm', () => {
  // [8192, 1024]: 8 M elements, what a vocabulary head is (BERT's 30522 × 768); small integers, so every
  // float32 sum is exact and each form of the product must give exactly the float64 value.
  const [ROWS, IN, OUT] = [8, 1024, 8192];
  const small = (i: number) => ((i * 7919) % 5) - 2;
  const input = hostTensor(Float32Array.from({ length: ROWS * IN }, (_, i) => small(i + 3)), [ROWS, IN]);
  const want = Array.from({ length: ROWS * OUT }, (_, k) => {
    const [n, o] = [Math.floor(k / OUT), k % OUT];
    let sum = 0;
    for (let j = 0; j < IN; j++) sum += small(n * IN + j + 3) * small(o * IN + j);
    return sum;
  });
  let backend: TfjsBackend;
  let head: Linear;
  beforeAll(async () => {
    backend = await createTfjsBackend({ device: 'wasm' });
    head = new Linear(IN, OUT, { bias: false });
    head.weight.value.data.set(Float32Array.from({ length: OUT * IN }, (_, i) => small(i)));
  });
  afterAll(async () => {
    backend.release(head, head.parameters());
    await backend.dispose();
  });
  const byMatmul: Program = { owner: {}, key: 'head', build: (ops, v) => ({ y: ops.matmul(v.x!, ops.param(head.weight), false, true) }) };
  const byLinear: Program = { owner: {}, key: 'head-linear', build: (ops, v) => ({ y: head.forward(ops, v.x!) }) };

  it.each([
    ['ops.matmul', () => byMatmul],
    ['a Linear layer', () => byLinear],
  ])('reads the weight where it lies in inference through %s: exact, and no transposed copy kept', async (_how, program) => {
    const { y } = await backend.run(program(), { x: input });
    expect(Array.from(y!.data)).toEqual(want);
    const held = backend.memory().tensors;
    expect(Array.from((await backend.run(program(), { x: input })).y!.data)).toEqual(want);
    // A cached wᵀ would be one more tensor held between runs (what smaller weights keep).
    expect(backend.memory().tensors).toBe(held);
    expect(held).toBe(1);
  });

  it('gives the same product and gradients while training', async () => {
    const state = backend.createState();
    const r = hostTensor(Float32Array.from({ length: ROWS * OUT }, (_, i) => small(i + 1)), [ROWS, OUT]);
    const loss: Program = {
      owner: head,
      key: 'head-loss',
      gradients: { wrt: [head.weight], into: ['grad.w'] },
      build: (ops, v) => ({ loss: ops.sum(ops.mul(head.forward(ops, v.x!), v.r!), [0, 1]) }),
    };
    const { loss: value } = await backend.run(loss, { x: input, r }, { state });
    expect(value!.data[0]).toBe(want.reduce((s, y, k) => s + y * r.data[k]!, 0));
    // dW[o, j] = Σ_n r[n, o]·x[n, j]; a few entries, exactly.
    const grad = (await state.read('grad.w')).data;
    for (const [o, j] of [[0, 0], [17, 1023], [8191, 512]] as const) {
      let sum = 0;
      for (let n = 0; n < ROWS; n++) sum += r.data[n * OUT + o]! * input.data[n * IN + j]!;
      expect(grad[o * IN + j], `dW[${o}, ${j}]`).toBe(sum);
    }
    state.dispose();
  });
});
