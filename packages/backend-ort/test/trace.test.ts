/**
 * Tracing without running: static shapes of symbolic tensors, typed errors for malformed programs,
 * initializer dedupe for tied weights, pruning of unused work.
 */
import { AttnError, type Ops, Parameter, type Program, ShapeMismatchError, type Tensor } from '@attnjs/core';
import { describe, expect, it } from 'vitest';
import { type InputSignature, TraceError, traceToOnnx } from '../src/index.js';
import { randomParameter, seeded } from './helpers.js';

type Build = (ops: Ops, x: Record<string, Tensor>) => Record<string, Tensor>;
const program = (build: Build, key = 'p'): Program => ({ owner: {}, key, build });
const X: InputSignature = { x: { dtype: 'float32', shape: ['batch', 'sequence', 8] } };
const IDS: InputSignature = { ids: { dtype: 'int32', shape: ['batch', 'sequence'] } };

/** Traces and returns the shapes layer code saw. */
function shapesSeen(signature: InputSignature, f: (ops: Ops, x: Record<string, Tensor>) => Tensor[]) {
  let seen: (number | null)[][] = [];
  traceToOnnx(program((ops, x) => {
    const ts = f(ops, x);
    seen = ts.map((t) => [...t.shape]);
    return { y: ts[ts.length - 1]! };
  }), signature);
  return seen;
}

describe('static shapes while tracing', () => {
  it('graph inputs are dynamic where the signature names a dim, static where it gives a number', () => {
    expect(shapesSeen(X, (_, x) => [x.x!])).toEqual([[null, null, 8]]);
  });

  it('follow reshape, transpose, slice, concat, matmul, reductions and gather', () => {
    const random = seeded(1);
    const w = randomParameter(random, [8, 6]);
    const table = randomParameter(random, [10, 4]);
    const seen = shapesSeen({ ...X, ...IDS }, (ops, x) => {
      const heads = ops.reshape(x.x!, [0, 0, 2, -1]); // (B, T, 2, 4)
      const swapped = ops.transpose(heads, [0, 2, 1, 3]); // (B, 2, T, 4)
      const sliced = ops.slice(x.x!, -1, 2, -1); // (B, T, 5)
      const joined = ops.concat([sliced, sliced], -1); // (B, T, 10)
      const projected = ops.linear(x.x!, ops.param(w), undefined, 'inOut'); // (B, T, 6)
      const summed = ops.sum(projected, [-1], true); // (B, T, 1)
      const embedded = ops.gather(ops.param(table), x.ids!); // (B, T, 4)
      const flat = ops.reshape(ops.param(table), [-1]); // (40)
      return [heads, swapped, sliced, joined, projected, summed, embedded, flat];
    });
    expect(seen).toEqual([
      [null, null, 2, 4],
      [null, 2, null, 4],
      [null, null, 5],
      [null, null, 10],
      [null, null, 6],
      [null, null, 1],
      [null, null, 4],
      [40],
    ]);
  });
});

describe('malformed programs get typed errors at trace time', () => {
  const cases: [string, InputSignature, Build, new (...args: never[]) => AttnError][] = [
    ['float ids for gather', X, (ops, x) => ({ y: ops.gather(x.x!, x.x!) }), TraceError],
    ['mixed dtypes in add', { ...X, ...IDS }, (ops, x) => ({ y: ops.add(x.x!, x.ids!) }), TraceError],
    ['softmax of int32', IDS, (ops, x) => ({ y: ops.softmax(x.ids!) }), TraceError],
    ['static broadcast mismatch', X, (ops, x) => ({ y: ops.add(x.x!, ops.slice(x.x!, -1, 0, 3)) }), ShapeMismatchError],
    ['reshape that cannot hold the elements', { s: { dtype: 'float32', shape: [2, 3] } }, (ops, x) => ({ y: ops.reshape(x.s!, [4, -1]) }), ShapeMismatchError],
    ['axis out of range', X, (ops, x) => ({ y: ops.softmax(ops.slice(x.x!, 3, 0, 1)) }), TraceError],
    ['transpose with a bad permutation', X, (ops, x) => ({ y: ops.transpose(x.x!, [0, 0, 1]) }), TraceError],
    ['matmul inner dims disagree', { s: { dtype: 'float32', shape: [2, 3] } }, (ops, x) => ({ y: ops.matmul(x.s!, x.s!) }), ShapeMismatchError],
    ['linear weight of the wrong size', X, (ops, x) => ({ y: ops.linear(x.x!, ops.param(new Parameter([3, 5])), undefined, 'inOut') }), ShapeMismatchError],
    ['output that is not a tensor', X, () => ({ y: 42 as unknown as Tensor }), TraceError],
    ['no outputs', X, () => ({}), TraceError],
    ['output named like an input', X, (ops, x) => ({ x: ops.neg(x.x!) }), TraceError],
    ['a tensor from another trace', X, (ops, x) => {
      let stray: Tensor | undefined;
      traceToOnnx(program((o, y) => ({ y: (stray = o.neg(y.x!)) })), X);
      return { y: ops.add(x.x!, stray!) };
    }, TraceError],
  ];
  it.each(cases)('%s', (_, signature, build, type) => {
    expect(() => traceToOnnx(program(build), signature)).toThrow(type);
  });

  it('errors thrown by the program itself propagate unchanged', () => {
    const mine = new RangeError('from the model');
    expect(() => traceToOnnx(program(() => { throw mine; }), X)).toThrow(mine);
  });
});

describe('initializers', () => {
  const V = 1000;
  const d = 64;
  const weightBytes = V * d * 4;
  const lm = (head: Parameter, table: Parameter) =>
    program((ops, x) => ({ logits: ops.linear(ops.gather(ops.param(table), x.ids!), ops.param(head), undefined, 'outIn') }));

  const text = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);

  it('a tied weight (embedding and LM head) is stored once, untied weights twice', () => {
    const wte = randomParameter(seeded(2), [V, d]);
    const tied = traceToOnnx(lm(wte, wte), IDS).byteLength;
    const untied = traceToOnnx(lm(randomParameter(seeded(3), [V, d]), wte), IDS).byteLength;
    expect(tied).toBeGreaterThan(weightBytes);
    expect(tied).toBeLessThan(weightBytes + 4096);
    expect(untied - tied).toBeGreaterThan(weightBytes - 256);
  });

  it('an untied [out, in] weight is stored transposed, so the graph has no Transpose; a tied one keeps it', () => {
    const wte = randomParameter(seeded(2), [V, d]);
    expect(text(traceToOnnx(lm(randomParameter(seeded(3), [V, d]), wte), IDS))).not.toContain('Transpose');
    expect(text(traceToOnnx(lm(wte, wte), IDS))).toContain('Transpose');
  });

  it('parameters the outputs do not depend on are left out', () => {
    const used = randomParameter(seeded(4), [V, d]);
    const unused = new Parameter([V, d]);
    const bytes = traceToOnnx(program((ops, x) => {
      ops.gather(ops.param(unused), x.ids!);
      return { y: ops.gather(ops.param(used), x.ids!) };
    }), IDS);
    expect(bytes.byteLength).toBeLessThan(weightBytes + 4096);
  });

  it('initializers take checkpoint names when given', () => {
    const wte = randomParameter(seeded(5), [10, 4]);
    const bytes = traceToOnnx(program((ops, x) => ({ y: ops.gather(ops.param(wte), x.ids!) })), IDS, {
      parameterNames: new Map([['transformer.wte.weight', wte]]),
    });
    expect(new TextDecoder().decode(bytes)).toContain('transformer.wte.weight');
  });
});
