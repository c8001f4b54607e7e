import { ConfigError } from './errors.js';
import { describeValue } from './inputs.js';

/** The largest size a config.json may declare: ids and positions are int32. */
export const MAX_SIZE = 2 ** 31 - 1;

/**
 * The most layers a config.json may declare. Each layer is built before the checkpoint is matched, so
 * `n_layer: 1e9` must not get that far; the deepest published BERT/GPT-2 models have 48.
 */
export const MAX_LAYERS = 10_000;

/**
 * Typed access to a Hugging Face config.json. Each getter names the field in its error, so a user
 * holding a broken file learns which key to fix.
 */
export class ConfigReader {
  constructor(readonly json: Record<string, unknown>, readonly source: string) {}

  static parse(text: string, source: string): ConfigReader {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new ConfigError(`${source} must hold a JSON object`);
    }
    return new ConfigReader(json as Record<string, unknown>, source);
  }

  /** The field's own value: never one inherited from `Object.prototype` (`"toString"`, `"constructor"`). */
  private get(key: string): unknown {
    return Object.hasOwn(this.json, key) ? this.json[key] : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined && this.get(key) !== null;
  }

  /** A non-negative integer (token ids). Without `fallback` the field is required. */
  int(key: string, fallback?: number): number {
    const value = this.get(key) ?? fallback;
    if (value === undefined) throw new ConfigError(`${this.source} is missing "${key}"`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ConfigError(`${this.source}: "${key}" must be a non-negative integer, got ${describeValue(value)}`);
    }
    return value;
  }

  /**
   * A size or count: a positive integer up to `max` (default 2^31 − 1, the int32 id range). Sizes are
   * checked against the checkpoint's shapes before any weight is allocated, so the bound only keeps
   * arithmetic on them exact.
   */
  size(key: string, fallback?: number, max = MAX_SIZE): number {
    const value = this.int(key, fallback);
    if (value < 1 || value > max) {
      throw new ConfigError(`${this.source}: "${key}" must be a positive integer up to ${max}, got ${value}`);
    }
    return value;
  }

  /** A finite number greater than zero (epsilons). */
  positive(key: string, fallback?: number): number {
    const value = this.number(key, fallback);
    if (!(value > 0)) throw new ConfigError(`${this.source}: "${key}" must be greater than 0, got ${value}`);
    return value;
  }

  /** A probability in [0, 1] (dropout rates). */
  probability(key: string, fallback?: number): number {
    const value = this.number(key, fallback);
    if (!(value >= 0 && value <= 1)) throw new ConfigError(`${this.source}: "${key}" must be a probability in [0, 1], got ${value}`);
    return value;
  }

  number(key: string, fallback?: number): number {
    const value = this.get(key) ?? fallback;
    if (value === undefined) throw new ConfigError(`${this.source} is missing "${key}"`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ConfigError(`${this.source}: "${key}" must be a number, got ${describeValue(value)}`);
    }
    return value;
  }

  string(key: string, fallback?: string): string {
    const value = this.get(key) ?? fallback;
    if (value === undefined) throw new ConfigError(`${this.source} is missing "${key}"`);
    if (typeof value !== 'string') throw new ConfigError(`${this.source}: "${key}" must be a string, got ${describeValue(value)}`);
    return value;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const value = this.get(key) ?? fallback;
    if (value === undefined) throw new ConfigError(`${this.source} is missing "${key}"`);
    if (typeof value !== 'boolean') throw new ConfigError(`${this.source}: "${key}" must be true or false, got ${describeValue(value)}`);
    return value;
  }

  optionalInt(key: string): number | undefined {
    return this.has(key) ? this.int(key) : undefined;
  }

  /** A string that must be one of `allowed` (mapped to a value). */
  oneOf<T>(key: string, allowed: Record<string, T>, fallback?: string): T {
    const value = this.string(key, fallback);
    if (!Object.hasOwn(allowed, value)) {
      throw new ConfigError(`${this.source}: "${key}" is ${describeValue(value)}; supported: ${Object.keys(allowed).join(', ')}`);
    }
    return allowed[value]!;
  }
}
