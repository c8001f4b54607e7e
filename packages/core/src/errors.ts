/**
 * Every error attn.js throws on purpose is an `AttnError`. Subclasses name the kind of problem so
 * callers can branch on `instanceof`; messages name the file, tensor or option involved.
 */
export class AttnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A config.json (or any JSON config) is missing, unparsable, or lacks a required field. */
export class ConfigError extends AttnError {}

/** A checkpoint file (safetensors) is malformed: truncated, bad header, bad offsets, unknown dtype. */
export class SafetensorsError extends AttnError {}

/** A tensor the model needs is not in the checkpoint. `missingKeys` lists all of them, `unusedKeys` what the checkpoint had instead. */
export class MissingTensorError extends AttnError {
  constructor(
    readonly tensorName: string,
    where = 'the checkpoint',
    readonly missingKeys: readonly string[] = [tensorName],
    readonly unusedKeys: readonly string[] = [],
    detail = '',
  ) {
    super(`tensor "${tensorName}" is missing from ${where}${detail}`);
  }
}

/** A tensor has a shape other than the one expected. */
export class ShapeMismatchError extends AttnError {
  constructor(
    readonly tensorName: string,
    readonly expected: readonly (number | null)[],
    readonly actual: readonly (number | null)[],
  ) {
    super(`tensor "${tensorName}" has shape [${actual.join(', ')}], expected [${expected.join(', ')}]`);
  }
}

/** Model inputs are invalid: ids outside the vocabulary, sequences longer than the position table, ragged batches. */
export class InputError extends AttnError {}

/** An unknown or unavailable backend or device was requested. */
export class BackendError extends AttnError {}

/** An option was given that this model or backend does not support. */
export class UnsupportedError extends AttnError {}

/** A resource (file, URL) could not be read. */
export class LoadError extends AttnError {}

/**
 * The checkpoint holds weights of the model's own architecture that the model has no place for (more
 * layers than config.json says, an unknown component): loading would silently run a different model.
 * `unusedKeys` and `missingKeys` list the disagreement; `fromPretrained(…, { allowUnusedWeights: true })`
 * loads anyway.
 */
export class UnusedWeightsError extends AttnError {
  override name = 'UnusedWeightsError'; // explicit: minifiers rename classes

  constructor(
    message: string,
    readonly unusedKeys: readonly string[],
    readonly missingKeys: readonly string[] = [],
  ) {
    super(message);
  }
}
