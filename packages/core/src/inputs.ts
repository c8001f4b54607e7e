import { InputError, UnsupportedError } from './errors.js';
import { type HostTensor, hostTensor, int2d, sizeOf } from './host.js';

/** What callers may pass as a batch of ids: nested arrays, one sequence, or an int32 host tensor. */
export type IdsLike = readonly (readonly number[])[] | readonly number[] | HostTensor<'int32'>;

/**
 * A caller's value, shown in an error message without converting it: `String()` on an array nested
 * thousands deep overflows the stack, and a huge one would flood the message.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A host tensor from a caller: the dtype, rank and data length it claims must be what it holds. */
function checkHostTensor(value: unknown, name: string, rank: number, what: string): HostTensor<'int32'> {
  const t = value as Partial<HostTensor>;
  if (typeof value !== 'object' || value === null || !Array.isArray(t.shape)) {
    throw new InputError(`${name} must be ${what} or an int32 host tensor, got ${describeValue(value)}`);
  }
  if (t.dtype !== 'int32' || !(t.data instanceof Int32Array)) throw new InputError(`${name} must be int32`);
  const shape = t.shape as unknown[];
  if (shape.length !== rank || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new InputError(`${name} must have ${rank} dimensions, got shape [${shape.map(describeValue).join(', ')}]`);
  }
  if (t.data.length !== sizeOf(shape as number[])) {
    throw new InputError(`${name} has shape [${shape.join(', ')}] but ${t.data.length} values`);
  }
  return value as HostTensor<'int32'>;
}

function checkId(id: unknown, name: string, at: string): void {
  if (Array.isArray(id)) throw new InputError(`${name}${at} is an array: ids are at most [batch, sequence]`);
  if (!Number.isInteger(id)) throw new InputError(`${name}${at} = ${describeValue(id)} is not an integer`);
  if ((id as number) < -(2 ** 31) || (id as number) >= 2 ** 31) {
    throw new InputError(`${name}${at} = ${describeValue(id)} is out of int32 range`);
  }
}

/**
 * Normalises ids to an int32 [B, T] tensor; a flat array is one sequence. Checks every element without
 * recursion, so deeply nested input is an `InputError`, not a stack overflow.
 */
export function toIds(value: IdsLike, name: string): HostTensor<'int32'> {
  if (value === undefined || value === null) throw new InputError(`${name} is required`);
  if (!Array.isArray(value)) return checkHostTensor(value, name, 2, 'an array of ids');
  const rows = (value.length > 0 && !Array.isArray(value[0]) ? [value] : value) as readonly unknown[];
  for (const [b, row] of rows.entries()) {
    if (!Array.isArray(row)) throw new InputError(`${name}[${b}] must be an array of integers, got ${describeValue(row)}`);
    for (const [t, id] of row.entries()) checkId(id, name, `[${b}][${t}]`);
  }
  return int2d(rows as readonly (readonly number[])[], name);
}

/** Labels [B] (one per sequence), checked like ids. */
export function toLabels1d(value: readonly number[] | HostTensor<'int32'>, name: string): HostTensor<'int32'> {
  if (value === undefined || value === null) throw new InputError(`${name} is required`);
  if (!Array.isArray(value)) return checkHostTensor(value, name, 1, 'an array of integers');
  for (const [i, v] of value.entries()) checkId(v, name, `[${i}]`);
  return hostTensor(Int32Array.from(value as number[]), [value.length]);
}

/** An optional boolean option: `undefined` is `false`; anything else but a boolean is an `InputError`. */
export function checkBoolean(value: unknown, name: string, where: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InputError(`${where}: ${name} must be true or false, got ${describeValue(value)}`);
  return value;
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

/** A model's inputs: an object whose keys are all in `known` (`where` names the method in errors). */
export function checkInputs(inputs: unknown, known: readonly string[], where: string): void {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw new InputError(`${where} takes an object such as { inputIds: [[…]] }, got ${describeValue(inputs)}`);
  }
  checkOptions(inputs, known, where);
}

/** `input_ids` checked against the vocabulary and the position table. */
export function idsFeed(value: IdsLike, vocabSize: number, maxPositions: number): HostTensor<'int32'> {
  if (value === undefined || value === null) throw new InputError('inputIds (input_ids) is required');
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
