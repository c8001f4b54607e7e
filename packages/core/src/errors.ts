/**
 * Every error attn.js throws on purpose is an `AttnError`. Subclasses name the kind of problem so
 * callers can branch on `instanceof`; messages name the file, tensor or option involved.
 *
 * Each class spells its `name` out: minifiers rename classes, so `new.target.name` would print
 * `sa` instead of `ConfigError` in a bundled app.
 */
export class AttnError extends Error {
  override name = 'AttnError';
}

/** A config.json (or any JSON config) is missing, unparsable, or lacks a required field. */
export class ConfigError extends AttnError {
  override name = 'ConfigError';
}

/** A checkpoint file (safetensors) is malformed: truncated, bad header, bad offsets, unknown dtype. */
export class SafetensorsError extends AttnError {
  override name = 'SafetensorsError';
}

/** A tensor the model needs is not in the checkpoint. `missingKeys` lists all of them, `unusedKeys` what the checkpoint had instead. */
export class MissingTensorError extends AttnError {
  override name = 'MissingTensorError';
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
  override name = 'ShapeMismatchError';
  constructor(
    readonly tensorName: string,
    readonly expected: readonly (number | null)[],
    readonly actual: readonly (number | null)[],
  ) {
    super(`tensor "${tensorName}" has shape [${actual.join(', ')}], expected [${expected.join(', ')}]`);
  }
}

/** Model inputs are invalid: ids outside the vocabulary, sequences longer than the position table, ragged batches. */
export class InputError extends AttnError {
  override name = 'InputError';
}

/** An unknown or unavailable backend or device was requested. */
export class BackendError extends AttnError {
  override name = 'BackendError';
}

/** An option was given that this model or backend does not support. */
export class UnsupportedError extends AttnError {
  override name = 'UnsupportedError';
}

/** A resource (file, URL) could not be read. */
export class LoadError extends AttnError {
  override name = 'LoadError';
}

/**
 * The checkpoint holds weights of the model's own architecture that the model has no place for (more
 * layers than config.json says, an unknown component): loading would silently run a different model.
 * `unusedKeys` and `missingKeys` list the disagreement; `fromPretrained(…, { allowUnusedWeights: true })`
 * loads anyway.
 */
export class UnusedWeightsError extends AttnError {
  override name = 'UnusedWeightsError';
  constructor(
    message: string,
    readonly unusedKeys: readonly string[],
    readonly missingKeys: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Generation options conflict (e.g. `numReturnSequences` > 1 with greedy search) or are out of range. */
export class GenerationConfigError extends AttnError {
  override name = 'GenerationConfigError';
}

/** Generation was stopped through its `AbortSignal`; `cause` is the signal's reason. */
export class AbortError extends AttnError {
  override name = 'AbortError';
}

/**
 * A parameter's host copy was released: an engine holds the weights (ONNX Runtime reading them from the
 * checkpoint file, `createOrtBackend({ hostWeights: 'release' })`) and nothing keeps them in JavaScript.
 * `parameter.value` throws this until a new value is assigned.
 */
export class HostWeightsReleasedError extends AttnError {
  override name = 'HostWeightsReleasedError';
}
