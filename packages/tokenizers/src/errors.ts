/**
 * Every error this package throws on purpose is a `TokenizerError`. The package is standalone (no
 * dependency on @attnjs/core), so it has its own small hierarchy; branch on `instanceof`.
 */
export class TokenizerError extends Error {
  // Spelled out: minifiers rename classes, so `new.target.name` would not survive a bundle.
  override name = 'TokenizerError';
}

/** A tokenizer.json (or vocab / merges / config file) field is missing or malformed. */
export class TokenizerConfigError extends TokenizerError {
  override name = 'TokenizerConfigError';
  /** Dotted path of the offending field, e.g. `model.vocab` or `normalizer.normalizers[1].type`. */
  readonly field: string;
  constructor(field: string, problem: string, options?: { cause?: unknown }) {
    super(`${field}: ${problem}`, options);
    this.field = field;
  }
}

/** A component type (or a setting of one) that this package does not implement. */
export class UnsupportedComponentError extends TokenizerError {
  override name = 'UnsupportedComponentError';
  /** Which family: `normalizer`, `pre_tokenizer`, `model`, `post_processor`, `decoder`. */
  readonly kind: string;
  /** The component's `type`, e.g. `Unigram`, or `BPE.dropout` for an unsupported setting. */
  readonly componentType: string;
  /** Where it was found in the tokenizer.json. */
  readonly field: string;
  constructor(kind: string, componentType: string, field: string, detail?: string) {
    super(`unsupported ${kind} "${componentType}" at ${field}${detail ? `: ${detail}` : ''}`);
    this.kind = kind;
    this.componentType = componentType;
    this.field = field;
  }
}

/** An option passed to encode / encodeBatch / decode is invalid or cannot be honoured. */
export class TokenizerOptionError extends TokenizerError {
  override name = 'TokenizerOptionError';
  readonly option: string;
  constructor(option: string, problem: string) {
    super(`option "${option}": ${problem}`);
    this.option = option;
  }
}

/** A file or URL could not be read (missing file, HTTP error, Node-only loader in a browser). */
export class TokenizerLoadError extends TokenizerError {
  override name = 'TokenizerLoadError';
  readonly source: string;
  constructor(source: string, problem: string, options?: { cause?: unknown }) {
    super(`cannot load ${source}: ${problem}`, options);
    this.source = source;
  }
}
