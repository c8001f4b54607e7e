import { TokenizerOptionError } from '../errors.js';

/**
 * A training option (or the corpus) is missing, has the wrong type, or contradicts another option.
 * It is a `TokenizerOptionError`, so callers can catch every bad option of the package alike.
 */
export class TrainerOptionError extends TokenizerOptionError {
  override name = 'TrainerOptionError';
  constructor(
    option: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(option, `must be ${expected}, got ${describe(actual)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}
