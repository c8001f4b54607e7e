/**
 * One kernel spec, run on every engine in ENGINES: each case is a one-output program over random inputs,
 * compared with a plain-JS float64 reference written here, at |Δ| ≤ 1e-6·(1 + |want|): a few float32 ulps,
 * ten times tighter than the model tolerance, so a slipped constant or a misplaced eps in a kernel or in
 * core's decompositions (the "(decomposed)" engines) fails here, not only somewhere deep in a model.
 * Programs read no shapes (graph engines trace them) and each case has its own owner and key.
 */
import {
  type Backend,
  causalLMLoss,
  crossEntropy,
  type DType,
  type HostTensor,
  hostTensor,
  MASK_VALUE,
  type Ops,
  Parameter,
  type Tensor,
} from '@attnjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { expectClose } from './reference.js';

const KERNEL_TOLERANCE = 1e-6;

// ── float64 reference arrays ────────────────────────────────────────────────
interface Arr {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}
const sizeOf = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) [idx[a], i] = [i % shape[a]!, Math.floor(i / shape[a]!)];
  return idx;
}
/** Element at `idx`, aligned to the right, with size-1 dimensions broadcast (NumPy rules). */
function get(x: Arr, idx: readonly number[]): number {
  const lead = idx.length - x.shape.length;
  let offset = 0;
  x.shape.forEach((d, a) => (offset = offset * d + (d === 1 ? 0 : idx[lead + a]!)));
  return x.data[offset]!;
}
const build = (shape: readonly number[], f: (idx: number[]) => number): Arr => ({
  shape,
  data: Array.from({ length: sizeOf(shape) }, (_, i) => f(unravel(i, shape))),
});
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1));
}
const zip = (a: Arr, b: Arr, f: (x: number, y: number) => number) =>
  build(broadcast(a.shape, b.shape), (idx) => f(get(a, idx), get(b, idx)));
const map = (a: Arr, f: (x: number) => number): Arr => ({ shape: a.shape, data: a.data.map(f) });
const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

function reduce(x: Arr, axes: readonly number[], keep: boolean, f: (values: number[]) => number): Arr {
  const ax = axes.map((a) => axisOf(a, x.shape.length));
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const buckets: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  x.data.forEach((v, i) => {
    const idx = unravel(i, x.shape).map((k, a) => (ax.includes(a) ? 0 : k));
    buckets[idx.reduce((o, k, a) => o * kept[a]! + k, 0)]!.push(v);
  });
  return { shape: keep ? kept : x.shape.filter((_, i) => !ax.includes(i)), data: buckets.map(f) };
}
const total = (v: number[]) => v.reduce((s, x) => s + x, 0);
/** Applies a row → row function along the last axis. */
function rows(x: Arr, f: (row: number[]) => number[]): Arr {
  const n = x.shape[x.shape.length - 1]!;
  const data: number[] = [];
  for (let i = 0; i < x.data.length; i += n) data.push(...f(x.data.slice(i, i + n)));
  return { shape: x.shape, data };
}
const softmaxRow = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  return e.map((v) => v / total(e));
};
const logSoftmaxRow = (row: number[]) => {
  const m = Math.max(...row);
  const lse = m + Math.log(total(row.map((v) => Math.exp(v - m))));
  return row.map((v) => v - lse);
};
function transposeRef(x: Arr, perm: readonly number[]): Arr {
  return build(perm.map((p) => x.shape[p]!), (idx) => {
    const src: number[] = [];
    perm.forEach((p, i) => (src[p] = idx[i]!));
    return get(x, src);
  });
}
const swapLast = (x: Arr) => {
  const r = x.shape.length;
  return transposeRef(x, [...Array(r - 2).keys(), r - 1, r - 2]);
};
function matmulRef(a: Arr, b: Arr, transposeA = false, transposeB = false): Arr {
  const [x, y] = [transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b];
  const [m, k] = x.shape.slice(-2) as [number, number];
  const n = y.shape[y.shape.length - 1]!;
  const batch = broadcast(x.shape.slice(0, -2), y.shape.slice(0, -2));
  return build([...batch, m, n], (idx) => {
    const [i, j, lead] = [idx[idx.length - 2]!, idx[idx.length - 1]!, idx.slice(0, -2)];
    let s = 0;
    for (let t = 0; t < k; t++) s += get(x, [...lead, i, t]) * get(y, [...lead, t, j]);
    return s;
  });
}
/** Python slicing is JavaScript's Array.prototype.slice on the index list. */
function sliceRef(x: Arr, axis: number, start: number, end?: number): Arr {
  const a = axisOf(axis, x.shape.length);
  const kept = [...Array(x.shape[a]).keys()].slice(start, end);
  return build(x.shape.map((d, i) => (i === a ? kept.length : d)), (idx) => get(x, idx.map((k, i) => (i === a ? kept[k]! : k))));
}
function concatRef(xs: Arr[], axis: number): Arr {
  const a = axisOf(axis, xs[0]!.shape.length);
  const starts = xs.map((_, i) => total(xs.slice(0, i).map((x) => x.shape[a]!)));
  const shape = xs[0]!.shape.map((d, i) => (i === a ? total(xs.map((x) => x.shape[a]!)) : d));
  return build(shape, (idx) => {
    const which = starts.filter((s) => s <= idx[a]!).length - 1;
    return get(xs[which]!, idx.map((k, i) => (i === a ? k - starts[which]! : k)));
  });
}
/** erf by its Maclaurin series, accurate to ~1e-12 for |x| ≤ 3 (the inputs used here). */
function erf(x: number): number {
  let [term, sum] = [x, x];
  for (let n = 1; n < 80; n++) sum += (term *= (-x * x) / n) / (2 * n + 1);
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const causalRef = (tq: number, tk: number) => build([tq, tk], ([q, k]) => (k! <= q! + tk - tq ? 0 : MASK_VALUE));
function layerNormRef(x: Arr, w: Arr, b: Arr, eps: number): Arr {
  const normed = rows(x, (row) => {
    const mean = total(row) / row.length;
    const variance = total(row.map((v) => (v - mean) ** 2)) / row.length;
    return row.map((v) => (v - mean) / Math.sqrt(variance + eps));
  });
  return zip(zip(normed, w, (p, q) => p * q), b, (p, q) => p + q);
}

// ── random inputs (seeded; float32 values, so engine and reference see the same numbers) ──
let seed = 12345;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const f32 = (shape: number[], lo = -1, hi = 1) =>
  hostTensor(Float32Array.from({ length: sizeOf(shape) }, () => lo + (hi - lo) * random()), shape);
const i32 = (shape: number[], values: number[]) => hostTensor(Int32Array.from(values), shape);
const ref = (h: HostTensor): Arr => ({ shape: h.shape, data: Array.from(h.data) });
function param(shape: number[], lo = -1, hi = 1): Parameter {
  const p = new Parameter(shape);
  p.value = f32(shape, lo, hi);
  return p;
}

// ── the spec ────────────────────────────────────────────────────────────────
type Inputs = Record<string, Tensor>;
interface Case {
  readonly name: string;
  readonly inputs: Record<string, HostTensor>;
  readonly build: (ops: Ops, x: Inputs) => Tensor;
  readonly want: Arr;
  readonly dtype: DType;
  readonly params: Parameter[];
}
const CASES: Case[] = [];
const spec = (name: string, inputs: Record<string, HostTensor>, program: Case['build'], want: Arr, dtype: DType = 'float32', params: Parameter[] = []) =>
  CASES.push({ name, inputs, build: program, want, dtype, params });

{ // data
  const x = f32([2, 3]);
  const table = i32([1, 3], [7, -8, 9]);
  spec('constant (int32, broadcast add)', { a: i32([2, 3], [1, 2, 3, 4, 5, 6]) }, (o, i) => o.add(i.a!, o.constant(table)), zip(ref(i32([2, 3], [1, 2, 3, 4, 5, 6])), ref(table), (p, q) => p + q), 'int32');
  spec('constant (float32 scalar)', { x }, (o, i) => o.mul(i.x!, o.scalar(-2.5)), map(ref(x), (v) => v * -2.5));
  const toward = hostTensor(new Float32Array([2.7, -2.7, 0.5, -0.5, 3, -3]), [2, 3]);
  spec('cast float32 → int32 truncates', { x: toward }, (o, i) => o.cast(i.x!, 'int32'), map(ref(toward), Math.trunc), 'int32');
  const ints = i32([3], [-4, 0, 9]);
  spec('cast int32 → float32', { x: ints }, (o, i) => o.cast(i.x!, 'float32'), ref(ints));
}
{ // shape
  const x = f32([2, 3, 4]);
  const reshaped = (shape: number[]) => ({ shape, data: ref(x).data });
  spec('reshape [0, -1]', { x }, (o, i) => o.reshape(i.x!, [0, -1]), reshaped([2, 12]));
  spec('reshape [0, 0, 2, -1]', { x }, (o, i) => o.reshape(i.x!, [0, 0, 2, -1]), reshaped([2, 3, 2, 2]));
  spec('reshape [-1, 4, 1]', { x }, (o, i) => o.reshape(i.x!, [-1, 4, 1]), reshaped([6, 4, 1]));
  spec('transpose [2, 0, 1]', { x }, (o, i) => o.transpose(i.x!, [2, 0, 1]), transposeRef(ref(x), [2, 0, 1]));
  spec('transpose [0, 2, 1]', { x }, (o, i) => o.transpose(i.x!, [0, 2, 1]), transposeRef(ref(x), [0, 2, 1]));
  spec('slice axis −1 [1:−1]', { x }, (o, i) => o.slice(i.x!, -1, 1, -1), sliceRef(ref(x), -1, 1, -1));
  spec('slice axis 1 [−2:]', { x }, (o, i) => o.slice(i.x!, 1, -2), sliceRef(ref(x), 1, -2));
  spec('slice axis 0 [0:100] clamps', { x }, (o, i) => o.slice(i.x!, 0, 0, 100), ref(x));
  // A run of whole rows from an offset: one contiguous run (tfjs-wasm copies it from a view of its heap).
  spec('slice axis 0 [1:2]', { x }, (o, i) => o.slice(i.x!, 0, 1, 2), sliceRef(ref(x), 0, 1, 2));
  spec('slice axis 2 [−100:2]', { x }, (o, i) => o.slice(i.x!, 2, -100, 2), sliceRef(ref(x), 2, -100, 2));
  const [a, b, c] = [f32([2, 1, 4]), f32([2, 3, 4]), f32([2, 2, 4])];
  spec('concat axis 1, three inputs', { a, b, c }, (o, i) => o.concat([i.a!, i.b!, i.c!], 1), concatRef([a, b, c].map(ref), 1));
  const [d, e] = [f32([2, 3, 1]), f32([2, 3, 2])];
  spec('concat axis −1', { d, e }, (o, i) => o.concat([i.d!, i.e!], -1), concatRef([d, e].map(ref), -1));
}
{ // elementwise, with broadcasting
  const binaries: [string, (o: Ops) => (a: Tensor, b: Tensor) => Tensor, (p: number, q: number) => number][] = [
    ['add', (o) => o.add, (p, q) => p + q],
    ['sub', (o) => o.sub, (p, q) => p - q],
    ['mul', (o) => o.mul, (p, q) => p * q],
    ['div', (o) => o.div, (p, q) => p / q],
  ];
  for (const [name, op, f] of binaries) {
    for (const [sa, sb] of [[[2, 3, 4], [3, 1]], [[4], [2, 1, 4]], [[2, 3], []]] as number[][][]) {
      const [a, b] = [f32(sa!), f32(sb!, 0.5, 2)];
      spec(`${name} [${sa}] ⊙ [${sb}]`, { a, b }, (o, i) => op(o)(i.a!, i.b!), zip(ref(a), ref(b), f));
    }
  }
  const [p, q] = [i32([2, 3], [1, -2, 3, 4, 0, -6]), i32([3], [3, 0, -1])];
  spec('mul int32 broadcast', { p, q }, (o, i) => o.mul(i.p!, i.q!), zip(ref(p), ref(q), (u, v) => u * v), 'int32');
  spec('add/sub int32', { p, q }, (o, i) => o.sub(o.add(i.p!, i.q!), o.scalar(2, 'int32')), zip(ref(p), ref(q), (u, v) => u + v - 2), 'int32');
  const unaries: [string, (o: Ops) => (x: Tensor) => Tensor, (v: number) => number, number, number][] = [
    ['neg', (o) => o.neg, (v) => -v, -3, 3],
    ['exp', (o) => o.exp, Math.exp, -5, 5],
    ['log', (o) => o.log, Math.log, 0.01, 10],
    ['sqrt', (o) => o.sqrt, Math.sqrt, 0, 10],
    ['tanh', (o) => o.tanh, Math.tanh, -4, 4],
    ['erf', (o) => o.erf, erf, -3, 3],
  ];
  for (const [name, op, f, lo, hi] of unaries) {
    const x = f32([3, 7], lo, hi);
    spec(name, { x }, (o, i) => op(o)(i.x!), map(ref(x), f));
  }
  const [u, v] = [hostTensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]), hostTensor(new Float32Array([1, 0, 3]), [3])];
  spec('notEqual float32 → 0/1', { u, v }, (o, i) => o.notEqual(i.u!, i.v!), zip(ref(u), ref(v), (s, t) => Number(s !== t)));
  const [m, n] = [i32([2, 2], [-100, 5, 7, -100]), i32([], [-100])];
  spec('notEqual int32 → float 0/1', { m, n }, (o, i) => o.notEqual(i.m!, i.n!), zip(ref(m), ref(n), (s, t) => Number(s !== t)));
}
{ // linear algebra, reductions
  const mm = (name: string, sa: number[], sb: number[], ta = false, tb = false) => {
    const [a, b] = [f32(sa), f32(sb)];
    spec(`matmul ${name}`, { a, b }, (o, i) => o.matmul(i.a!, i.b!, ta, tb), matmulRef(ref(a), ref(b), ta, tb));
  };
  mm('[2,3,4]·[2,4,5]', [2, 3, 4], [2, 4, 5]);
  mm('[2,3,4]·[4,5] (shared right)', [2, 3, 4], [4, 5]);
  mm('[2,3,4]·[5,4]ᵀ', [2, 3, 4], [5, 4], false, true);
  mm('[2,4,3]ᵀ·[2,4,5]', [2, 4, 3], [2, 4, 5], true, false);
  mm('batch broadcast [2,1,3,4]·[3,4,2]', [2, 1, 3, 4], [3, 4, 2]);
  // An empty past (a KV cache before its first step) multiplies over an inner size of 0: the sum is 0.
  mm('empty inner [1,2,3,0]·[1,2,0,4] = 0', [1, 2, 3, 0], [1, 2, 0, 4]);
  mm('empty inner [1,2,3,4]·[1,2,0,4]ᵀ → [1,2,3,0]', [1, 2, 3, 4], [1, 2, 0, 4], false, true);
  mm('[1,2,3,4]·[1,2,5,4]ᵀ (scores)', [1, 2, 3, 4], [1, 2, 5, 4], false, true);
  const x = f32([2, 3, 4], -3, 3);
  spec('sum [−1] keepDims', { x }, (o, i) => o.sum(i.x!, [-1], true), reduce(ref(x), [-1], true, total));
  spec('sum [0, 2]', { x }, (o, i) => o.sum(i.x!, [0, 2]), reduce(ref(x), [0, 2], false, total));
  spec('sum all axes → scalar', { x }, (o, i) => o.sum(i.x!, [0, 1, 2]), reduce(ref(x), [0, 1, 2], false, total));
  spec('mean [1]', { x }, (o, i) => o.mean(i.x!, [1]), reduce(ref(x), [1], false, (v) => total(v) / v.length));
  spec('mean [−1] keepDims', { x }, (o, i) => o.mean(i.x!, [-1], true), reduce(ref(x), [-1], true, (v) => total(v) / v.length));
  spec('max [−1] keepDims', { x }, (o, i) => o.max(i.x!, [-1], true), reduce(ref(x), [-1], true, (v) => Math.max(...v)));
  spec('max [0]', { x }, (o, i) => o.max(i.x!, [0]), reduce(ref(x), [0], false, (v) => Math.max(...v)));
  const ties = hostTensor(new Float32Array([1, 5, 5, 0, -2, -1, -1, -3, 7, 7, 7, 7]), [3, 4]);
  const argmax = (v: number[]) => v.indexOf(Math.max(...v));
  spec('argmax −1, first on ties', { x: ties }, (o, i) => o.argmax(i.x!, -1), reduce(ref(ties), [-1], false, argmax), 'int32');
  spec('argmax 0', { x }, (o, i) => o.argmax(i.x!, 0), reduce(ref(x), [0], false, argmax), 'int32');
  const logits = f32([2, 3, 5], -10, 10);
  spec('softmax', { x: logits }, (o, i) => o.softmax(i.x!), rows(ref(logits), softmaxRow));
  spec('logSoftmax', { x: logits }, (o, i) => o.logSoftmax(i.x!), rows(ref(logits), logSoftmaxRow));
  const masked = hostTensor(new Float32Array([0.5, MASK_VALUE, 1, MASK_VALUE, MASK_VALUE, MASK_VALUE]), [2, 3]);
  spec('softmax with masked (all-masked row uniform)', { x: masked }, (o, i) => o.softmax(i.x!), rows(ref(masked), softmaxRow));
}
{ // indexing
  const table = param([6, 4]);
  const ids = i32([2, 3], [5, 0, 5, 2, 2, 1]);
  const gathered = build([2, 3, 4], ([b, t, d]) => get(ref(table.value), [ref(ids).data[b! * 3 + t!]!, d!]));
  spec('gather param [6,4] at ids [2,3]', { ids }, (o, i) => o.gather(o.param(table), i.ids!), gathered, 'float32', [table]);
  const input = f32([5, 2, 3]);
  const flat = i32([4], [4, 4, 0, 3]);
  spec('gather input [5,2,3] at ids [4]', { t: input, ids: flat }, (o, i) => o.gather(i.t!, i.ids!),
    build([4, 2, 3], ([n, a, b]) => get(ref(input), [ref(flat).data[n!]!, a!, b!])));
  const x = f32([2, 3, 5]);
  const idx = i32([2, 3], [4, 0, 2, 1, 3, 4]);
  spec('takeAlongLastAxis', { x, idx }, (o, i) => o.takeAlongLastAxis(i.x!, i.idx!), build([2, 3], ([b, t]) => get(ref(x), [b!, t!, ref(idx).data[b! * 3 + t!]!])));
  const like = f32([2, 5, 3]);
  spec('range axis 1, offset 3', { like }, (o, i) => o.range(i.like!, 1, 3), build([5], ([k]) => k! + 3), 'int32');
  spec('range axis −1', { like }, (o, i) => o.range(i.like!, -1), build([3], ([k]) => k!), 'int32');
  const scores = f32([1, 2, 3, 5]);
  spec('causalMask Tq 3 < Tk 5', { s: scores }, (o, i) => o.causalMask(i.s!), causalRef(3, 5));
  const square = f32([2, 4, 4]);
  spec('causalMask square', { s: square }, (o, i) => o.causalMask(i.s!), causalRef(4, 4));
}
{ // fused ops through Ops (the engine's kernel or core's decomposition)
  const x = f32([2, 3, 4]);
  const [w, b, wio] = [param([5, 4]), param([5]), param([4, 5])];
  const plusBias = (y: Arr) => zip(y, ref(b.value), (p, q) => p + q);
  spec('linear outIn + bias', { x }, (o, i) => o.linear(i.x!, o.param(w), o.param(b), 'outIn'), plusBias(matmulRef(ref(x), ref(w.value), false, true)), 'float32', [w, b]);
  spec('linear inOut + bias', { x }, (o, i) => o.linear(i.x!, o.param(wio), o.param(b), 'inOut'), plusBias(matmulRef(ref(x), ref(wio.value))), 'float32', [wio, b]);
  spec('linear outIn, no bias', { x }, (o, i) => o.linear(i.x!, o.param(w), undefined, 'outIn'), matmulRef(ref(x), ref(w.value), false, true), 'float32', [w]);
  const h = f32([2, 3, 8], -2, 3);
  const [gamma, beta] = [param([8], 0.5, 1.5), param([8])];
  spec('layerNorm eps 1e-5', { h }, (o, i) => o.layerNorm(i.h!, o.param(gamma), o.param(beta), 1e-5),
    layerNormRef(ref(h), ref(gamma.value), ref(beta.value), 1e-5), 'float32', [gamma, beta]);
  // Variance ≈ 9e-6, comparable to eps: √(var + eps) and √var + eps differ by ~45%, and a 1% change of eps
  // moves the output by ~0.25%, far above the tolerance. Mean ≈ 0 keeps float32 centring exact enough.
  const [flat, gamma16, beta16] = [f32([3, 16], -0.005, 0.005), param([16], 0.5, 1.5), param([16])];
  spec('layerNorm, variance comparable to eps 1e-5', { h: flat }, (o, i) => o.layerNorm(i.h!, o.param(gamma16), o.param(beta16), 1e-5),
    layerNormRef(ref(flat), ref(gamma16.value), ref(beta16.value), 1e-5), 'float32', [gamma16, beta16]);
  const g = f32([4, 6], -3, 3);
  const erfGelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  const tanhGelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  spec('gelu (erf)', { g }, (o, i) => o.gelu(i.g!, 'none'), map(ref(g), erfGelu));
  spec('gelu (tanh)', { g }, (o, i) => o.gelu(i.g!, 'tanh'), map(ref(g), tanhGelu));
  // A grid over [−4, 4] in steps of 1/8: |x| in 1.5–3 is where the constants weigh most (0.044715 → 0.0447
  // moves tanh GELU by up to 8.7e-6 at x ≈ −1.84; 1/√2 → 0.7071 moves erf GELU by ~2e-6 at |x| ≈ 2).
  const grid = hostTensor(Float32Array.from({ length: 65 }, (_, k) => -4 + k / 8), [5, 13]);
  spec('gelu (erf) on a grid over [−4, 4]', { g: grid }, (o, i) => o.gelu(i.g!, 'none'), map(ref(grid), erfGelu));
  spec('gelu (tanh) on a grid over [−4, 4]', { g: grid }, (o, i) => o.gelu(i.g!, 'tanh'), map(ref(grid), tanhGelu));
  const [q, k, v] = [f32([1, 2, 3, 4]), f32([1, 2, 5, 4]), f32([1, 2, 5, 4])];
  const pad = hostTensor(new Float32Array([1, 1, 0, 1, 1]), [1, 5]);
  const attend = (causal: boolean, mask: boolean) => {
    let scores = map(matmulRef(ref(q), ref(k), false, true), (s) => s * 0.5); // (1, 2, 3, 5)
    if (causal) scores = zip(scores, causalRef(3, 5), (s, m) => s + m);
    if (mask) scores = zip(scores, build([1, 1, 1, 5], ([, , , t]) => (1 - pad.data[t!]!) * MASK_VALUE), (s, m) => s + m);
    return matmulRef(rows(scores, softmaxRow), ref(v));
  };
  for (const [causal, mask] of [[true, false], [false, true], [true, true]]) {
    spec(`attention causal=${causal} padding=${mask} (Tq 3 < Tk 5)`, { q, k, v, pad }, (o, i) =>
      o.attention(i.q!, i.k!, i.v!, { causal: causal!, scale: 0.5, mask: mask ? o.paddingMask(i.pad!) : undefined }), attend(causal!, mask!));
  }
  const logits = f32([2, 3, 5], -4, 4);
  const labels = i32([2, 3], [4, -100, 0, 2, 2, -100]);
  const picked = rows(ref(logits), logSoftmaxRow);
  const kept = ref(labels).data.map((l, n) => (l === -100 ? null : -picked.data[n * 5 + l]!)).filter((t) => t !== null);
  spec('crossEntropy (core loss, ignore −100)', { logits, labels }, (o, i) => crossEntropy(o, i.logits!, i.labels!), { shape: [], data: [total(kept) / kept.length] });
  const ignored = i32([2, 3], Array(6).fill(-100));
  spec('crossEntropy, every label ignored → NaN', { logits, labels: ignored }, (o, i) => crossEntropy(o, i.logits!, i.labels!), { shape: [], data: [Number.NaN] });
  // One token: the shifted slices are empty ([2, 0, 5], [2, 0]); PyTorch gives NaN.
  const [one, oneLabel] = [f32([2, 1, 5]), i32([2, 1], [1, 2])];
  spec('causalLMLoss on one token → NaN (empty slices)', { logits: one, labels: oneLabel }, (o, i) => causalLMLoss(o, i.logits!, i.labels!), { shape: [], data: [Number.NaN] });
  const wide = f32([2, 3]);
  spec('sum over an empty slice → 0', { x: wide }, (o, i) => o.sum(o.slice(i.x!, 1, 3), [1]), { shape: [2], data: [0, 0] });
}

describe.each(ENGINES)('kernel conformance on $name', (engine) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend?.dispose();
  });

  it('case names (program keys) are unique', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const owner = {};
    const out = await backend.run({ owner, key: name, build: (ops, x: Inputs) => ({ y: c.build(ops, x) }) }, c.inputs);
    backend.release(owner, c.params);
    expect(out.y.dtype, `${name}: dtype`).toBe(c.dtype);
    expect([...out.y.shape], `${name}: shape`).toEqual([...c.want.shape]);
    const nan = c.want.data.map(Number.isNaN); // NaN must come out where the reference has it
    expect(Array.from(out.y.data, Number.isNaN), `${name}: NaN positions`).toEqual(nan);
    expectClose(out.y.data.filter((_, j) => !nan[j]), c.want.data.filter((_, j) => !nan[j]), KERNEL_TOLERANCE, name);
  });
});
