import { ConfigError } from './errors.js';

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

  has(key: string): boolean {
    return this.json[key] !== undefined && this.json[key] !== null;
  }

  /** A positive integer (sizes, counts). Without `fallback` the field is required. */
  int(key: string, fallback?: number): number {
    const value = this.json[key] ?? fallback;
    if (value === undefined) throw new ConfigError(`${this.source} is missing "${key}"`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new ConfigError(`${this.source}: "${key}" must be a non-negative integer, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  number(key: string, fallback?: number): number {
    const value = this.json[key] ?? fallback;
    if (value === undefined) throw new ConfigError(`${this.source} is missing "${key}"`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ConfigError(`${this.source}: "${key}" must be a number, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  string(key: string, fallback?: string): string {
    const value = this.json[key] ?? fallback;
    if (value === undefined) throw new ConfigError(`${this.source} is missing "${key}"`);
    if (typeof value !== 'string') throw new ConfigError(`${this.source}: "${key}" must be a string, got ${JSON.stringify(value)}`);
    return value;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const value = this.json[key] ?? fallback;
    if (value === undefined) throw new ConfigError(`${this.source} is missing "${key}"`);
    if (typeof value !== 'boolean') throw new ConfigError(`${this.source}: "${key}" must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalInt(key: string): number | undefined {
    return this.has(key) ? this.int(key) : undefined;
  }

  /** A string that must be one of `allowed` (mapped to a value). */
  oneOf<T>(key: string, allowed: Record<string, T>, fallback?: string): T {
    const value = this.string(key, fallback);
    if (!(value in allowed)) {
      throw new ConfigError(`${this.source}: "${key}" is "${value}"; supported: ${Object.keys(allowed).join(', ')}`);
    }
    return allowed[value]!;
  }
}
