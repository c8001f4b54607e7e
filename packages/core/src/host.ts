import { ShapeMismatchError } from './errors.js';

/** Element types that cross the boundary between the engine and the caller. */
export type DType = 'float32' | 'int32';

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array : Int32Array;

/**
 * A tensor in host memory, as returned to callers: row-major `data` of `shape`.
 * Engines never hand out their own tensor objects; results are always downloaded into this form.
 */
export interface HostTensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: TypedArrayFor<D>;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function hostTensor(data: Float32Array, shape: readonly number[]): HostTensor<'float32'>;
export function hostTensor(data: Int32Array, shape: readonly number[]): HostTensor<'int32'>;
export function hostTensor(data: Float32Array | Int32Array, shape: readonly number[]): HostTensor {
  if (data.length !== sizeOf(shape)) {
    throw new ShapeMismatchError('hostTensor', [data.length], shape);
  }
  const dtype: DType = data instanceof Float32Array ? 'float32' : 'int32';
  return { dtype, shape: [...shape], data } as HostTensor;
}

/** Builds an int32 [B, T] tensor from nested arrays; every row must have the same length. */
export function int2d(rows: readonly (readonly number[])[], name = 'input'): HostTensor<'int32'> {
  const batch = rows.length;
  const length = batch === 0 ? 0 : rows[0]!.length;
  const data = new Int32Array(batch * length);
  rows.forEach((row, b) => {
    if (row.length !== length) throw new ShapeMismatchError(`${name}[${b}]`, [length], [row.length]);
    data.set(row, b * length);
  });
  return hostTensor(data, [batch, length]);
}

/** Splits a host tensor into nested arrays along its leading axes (for display and tests). */
export function toNested(t: HostTensor): unknown {
  const build = (offset: number, axis: number): unknown => {
    if (axis === t.shape.length) return t.data[offset];
    const stride = sizeOf(t.shape.slice(axis + 1));
    return Array.from({ length: t.shape[axis]! }, (_, i) => build(offset + i * stride, axis + 1));
  };
  return build(0, 0);
}
