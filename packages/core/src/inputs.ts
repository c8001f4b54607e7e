import { InputError, UnsupportedError } from './errors.js';
import { type HostTensor, hostTensor, int2d } from './host.js';

/** What callers may pass as a batch of ids: nested arrays, one sequence, or an int32 host tensor. */
export type IdsLike = readonly (readonly number[])[] | readonly number[] | HostTensor<'int32'>;

/** Normalises ids to an int32 [B, T] tensor; a flat array is one sequence. */
export function toIds(value: IdsLike, name: string): HostTensor<'int32'> {
  if (!Array.isArray(value)) {
    const t = value as HostTensor;
    if (t.dtype !== 'int32' || !(t.data instanceof Int32Array)) throw new InputError(`${name} must be int32`);
    if (t.shape.length !== 2) throw new InputError(`${name} must be [batch, sequence], got [${t.shape.join(', ')}]`);
    return t as HostTensor<'int32'>;
  }
  const rows = (value.length > 0 && typeof value[0] === 'number' ? [value] : value) as readonly (readonly number[])[];
  for (const [b, row] of rows.entries()) {
    if (!Array.isArray(row)) throw new InputError(`${name}[${b}] must be an array of integers`);
    for (const [t, id] of row.entries()) {
      if (!Number.isInteger(id)) throw new InputError(`${name}[${b}][${t}] = ${id} is not an integer`);
      if (id < -(2 ** 31) || id >= 2 ** 31) throw new InputError(`${name}[${b}][${t}] = ${id} is out of int32 range`);
    }
  }
  return int2d(rows, name);
}

/** Labels [B] (one per sequence). */
export function toLabels1d(value: readonly number[] | HostTensor<'int32'>, name: string): HostTensor<'int32'> {
  if (!Array.isArray(value)) return value as HostTensor<'int32'>;
  for (const [i, v] of value.entries()) {
    if (!Number.isInteger(v)) throw new InputError(`${name}[${i}] = ${v} is not an integer`);
  }
  return hostTensor(Int32Array.from(value as number[]), [value.length]);
}

/** Every id must index a row of a table of `size` rows (vocabulary, token types). `allow` lists extra values (e.g. −100). */
export function checkRange(t: HostTensor<'int32'>, size: number, name: string, allow: readonly number[] = []): void {
  const length = t.shape[t.shape.length - 1] ?? 1;
  for (let i = 0; i < t.data.length; i++) {
    const id = t.data[i]!;
    if ((id < 0 || id >= size) && !allow.includes(id)) {
      const at = t.shape.length === 2 ? `[${Math.floor(i / length)}][${i % length}]` : `[${i}]`;
      throw new InputError(`${name}${at} = ${id} is outside the valid range 0..${size - 1}`);
    }
  }
}

export function checkSameShape(a: HostTensor, b: HostTensor, nameA: string, nameB: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new InputError(`${nameB} has shape [${b.shape.join(', ')}] but ${nameA} has [${a.shape.join(', ')}]`);
  }
}

/** A sequence must fit the position table. */
export function checkLength(ids: HostTensor, maxPositions: number, name = 'input_ids'): void {
  const length = ids.shape[1]!;
  if (length > maxPositions) {
    throw new InputError(`${name} has ${length} positions but the model's position table has ${maxPositions}`);
  }
  if (length === 0 || ids.shape[0] === 0) throw new InputError(`${name} is empty ([${ids.shape.join(', ')}])`);
}

/**
 * Options arrive from JavaScript callers too, where a misspelt or unsupported key would otherwise be
 * silently ignored. Every key must be in `known`.
 */
export function checkOptions(options: object | undefined, known: readonly string[], where: string): void {
  for (const key of Object.keys(options ?? {})) {
    if (!known.includes(key)) {
      throw new UnsupportedError(`${where} does not support the option "${key}" (supported: ${known.join(', ')})`);
    }
  }
}

/** `input_ids` checked against the vocabulary and the position table. */
export function idsFeed(value: IdsLike, vocabSize: number, maxPositions: number): HostTensor<'int32'> {
  const ids = toIds(value, 'input_ids');
  checkRange(ids, vocabSize, 'input_ids');
  checkLength(ids, maxPositions);
  return ids;
}

/**
 * A per-token input (attention mask, token types, labels) checked against `input_ids`: the same shape,
 * and every value in 0..size−1 or in `allow` (e.g. −100 for ignored labels).
 */
export function tokenFeed(
  value: IdsLike,
  inputIds: HostTensor<'int32'>,
  name: string,
  size: number,
  allow: readonly number[] = [],
): HostTensor<'int32'> {
  const t = toIds(value, name);
  checkSameShape(inputIds, t, 'input_ids', name);
  checkRange(t, size, name, allow);
  return t;
}
