import { TokenizerConfigError } from './errors.js';
import { isIntegerIn, MAX_SEQUENCE_LENGTH, MAX_TOKEN_ID } from './limits.js';

/**
 * Readers for tokenizer.json fields. Each takes the dotted path of the field so that a malformed file
 * produces a `TokenizerConfigError` naming exactly which field is wrong.
 */
export type JsonObject = Record<string, unknown>;

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function asObject(value: unknown, path: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenizerConfigError(path, `expected an object, got ${describeValue(value)}`);
  }
  return value as JsonObject;
}

export function asArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new TokenizerConfigError(path, `expected an array, got ${describeValue(value)}`);
  return value;
}

export function asString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new TokenizerConfigError(path, `expected a string, got ${describeValue(value)}`);
  return value;
}

/** An integer field; every integer in a tokenizer.json is an id, a count or a length, so at most 2^31 − 1. */
export function asInt(value: unknown, path: string, min = 0, max = MAX_TOKEN_ID): number {
  if (!isIntegerIn(value, min, max)) {
    throw new TokenizerConfigError(path, `expected an integer in [${min}, ${max}], got ${describeValue(value)}`);
  }
  return value;
}

/** A sequence length (padding / truncation), at most `MAX_SEQUENCE_LENGTH`. */
export function asLength(value: unknown, path: string): number {
  return asInt(value, path, 0, MAX_SEQUENCE_LENGTH);
}

export function asBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new TokenizerConfigError(path, `expected true or false, got ${describeValue(value)}`);
  return value;
}

/** `obj[key]` as a string; `fallback` when absent or null (pass no fallback to make it required). */
export function stringField(obj: JsonObject, key: string, path: string, fallback?: string): string {
  const value = obj[key];
  if (value == null && fallback !== undefined) return fallback;
  return asString(value, `${path}.${key}`);
}

export function optionalStringField(obj: JsonObject, key: string, path: string): string | null {
  const value = obj[key];
  return value == null ? null : asString(value, `${path}.${key}`);
}

export function boolField(obj: JsonObject, key: string, path: string, fallback?: boolean): boolean {
  const value = obj[key];
  if (value == null && fallback !== undefined) return fallback;
  return asBool(value, `${path}.${key}`);
}

export function optionalBoolField(obj: JsonObject, key: string, path: string): boolean | null {
  const value = obj[key];
  return value == null ? null : asBool(value, `${path}.${key}`);
}

export function intField(obj: JsonObject, key: string, path: string, fallback?: number): number {
  const value = obj[key];
  if (value == null && fallback !== undefined) return fallback;
  return asInt(value, `${path}.${key}`);
}

/** A `{ token: id }` vocabulary object, checked entry by entry. */
export function vocabField(obj: JsonObject, key: string, path: string): Map<string, number> {
  const raw = asObject(obj[key], `${path}.${key}`);
  const vocab = new Map<string, number>();
  for (const token in raw) {
    const id = raw[token];
    if (!isIntegerIn(id, 0, MAX_TOKEN_ID)) {
      throw new TokenizerConfigError(`${path}.${key}[${JSON.stringify(token)}]`, `expected a token id (an integer in [0, ${MAX_TOKEN_ID}]), got ${describeValue(id)}`);
    }
    vocab.set(token, id);
  }
  return vocab;
}

/** Parses JSON text, reporting a syntax error against the file it came from. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TokenizerConfigError(source, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
}
