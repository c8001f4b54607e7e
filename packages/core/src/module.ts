import { ConfigError, HostWeightsReleasedError, ShapeMismatchError } from './errors.js';
import { type HostTensor, sizeOf } from './host.js';

/** The most elements a parameter may have: a JS typed array holds at most 2^32 − 1 on 64-bit engines. */
export const MAX_PARAMETER_ELEMENTS = 2 ** 32 - 1;

/**
 * A named float32 weight. Its value lives on the host; backends upload it once and keep their copy
 * keyed by this object (so replacing `value` requires `backend.release`).
 *
 * The initial value (zeros, or `fill`) is allocated on first read, not at construction: a model built
 * from a hostile config.json (`vocab_size: 2**40`) is checked against the checkpoint's shapes by
 * `assign` before anything that size is allocated.
 */
export class Parameter {
  private current?: HostTensor<'float32'>;
  /** Why the host copy is gone (the `HostWeightsReleasedError` message), while it is. */
  private released?: string;

  constructor(readonly shape: readonly number[], private readonly fill = 0) {
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new ConfigError(`a parameter cannot have shape [${shape.join(', ')}]`);
    }
  }

  get value(): HostTensor<'float32'> {
    if (this.released !== undefined) throw new HostWeightsReleasedError(this.released);
    if (!this.current) {
      const size = sizeOf(this.shape);
      if (size > MAX_PARAMETER_ELEMENTS) {
        throw new ConfigError(`a parameter of shape [${this.shape.join(', ')}] (${size} elements) is too large to allocate`);
      }
      const data = new Float32Array(size);
      if (this.fill !== 0) data.fill(this.fill);
      this.current = { dtype: 'float32', shape: [...this.shape], data };
    }
    return this.current;
  }

  set value(tensor: HostTensor<'float32'>) {
    this.released = undefined;
    this.current = tensor;
  }

  /** False after `releaseHostValue` until a new value is set or assigned. */
  get hasHostValue(): boolean {
    return this.released === undefined;
  }

  /**
   * Drops the host copy, for an engine that holds the weights elsewhere: `value` then throws
   * `HostWeightsReleasedError` with `why` (which should name the parameter and where its values are)
   * until a new value is set or assigned.
   */
  releaseHostValue(why: string): void {
    this.current = undefined;
    this.released = why;
  }

  /** Copies `tensor` in after checking its shape; `name` is used in the error. */
  assign(tensor: HostTensor<'float32'>, name: string): void {
    this.checkShape(tensor, name);
    this.released = undefined;
    this.current = { dtype: 'float32', shape: [...this.shape], data: tensor.data };
  }

  /** Throws `ShapeMismatchError` unless `tensor` has this parameter's shape. */
  checkShape(tensor: HostTensor, name: string): void {
    const same = tensor.shape.length === this.shape.length && tensor.shape.every((d, i) => d === this.shape[i]);
    if (!same) throw new ShapeMismatchError(name, this.shape, tensor.shape);
  }
}

/**
 * A tree of parameters whose paths are the checkpoint's keys. A child may be registered under a dotted
 * path (`attention.self.query`), so a layer shared by several models can sit wherever each model's
 * checkpoint puts it and loading stays a key-for-key copy.
 */
export abstract class Module {
  private readonly ownParams = new Map<string, Parameter>();
  /** Names registered with `alias`: a tied weight's second name, which checkpoints do not store. */
  private readonly aliasNames = new Set<string>();
  /** A list, not a map: several children may share the name '' (a block's attention and feed-forward). */
  private readonly children: [string, Module][] = [];

  /** Registers a new parameter, initially all `fill` (allocated on first read). */
  protected parameter(name: string, shape: readonly number[], fill = 0): Parameter {
    const p = new Parameter(shape, fill);
    this.ownParams.set(name, p);
    return p;
  }

  /** Registers an existing parameter under another name (a tied weight, e.g. `lm_head.weight`). */
  protected alias(name: string, p: Parameter): Parameter {
    this.ownParams.set(name, p);
    this.aliasNames.add(name);
    return p;
  }

  /** Registers a submodule; the name may be dotted, and '' merges its parameters into this module's namespace. */
  protected child<M extends Module>(name: string, module: M): M {
    this.children.push([name, module]);
    return module;
  }

  /** Every parameter under its full dotted name, in registration order. */
  namedParameters(prefix = ''): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    for (const [name, p] of this.ownParams) out.set(prefix + name, p);
    for (const [name, m] of this.children) {
      for (const [key, p] of m.namedParameters(name ? `${prefix}${name}.` : prefix)) out.set(key, p);
    }
    return out;
  }

  /** The full names registered with `alias` (the second names of tied weights). */
  aliases(prefix = ''): Set<string> {
    const out = new Set([...this.aliasNames].map((name) => prefix + name));
    for (const [name, m] of this.children) for (const a of m.aliases(name ? `${prefix}${name}.` : prefix)) out.add(a);
    return out;
  }

  /**
   * Every parameter once, under the name a checkpoint stores it: aliases are left out, as Hugging Face
   * leaves tied weights (`lm_head.weight`, `cls.predictions.decoder.weight`) out of model.safetensors.
   */
  savedParameters(prefix = ''): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    for (const [name, p] of this.ownParams) if (!this.aliasNames.has(name)) out.set(prefix + name, p);
    for (const [name, m] of this.children) {
      for (const [key, p] of m.savedParameters(name ? `${prefix}${name}.` : prefix)) out.set(key, p);
    }
    return out;
  }

  /** Distinct parameters (a tied weight appears once). */
  parameters(): Parameter[] {
    return [...new Set(this.namedParameters().values())];
  }
}

/** Children named `0`, `1`, … as in PyTorch's nn.ModuleList (`h.0.attn…`, `layer.3.output…`). */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.child(String(i), m));
  }
}
