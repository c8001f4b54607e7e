import { TokenizerConfigError, UnsupportedComponentError } from './errors.js';
import { asObject, asString, type JsonObject } from './json.js';
import { MAX_COMPONENT_DEPTH } from './limits.js';

/** How many component builds are under way (a `Sequence` builds its members inside its own build). */
let buildDepth = 0;

/** Builds one component from its tokenizer.json object; `path` names it in errors. */
export type ComponentFactory<T> = (config: JsonObject, path: string) => T;

/**
 * One registry per component family (normalizer, pre_tokenizer, model, post_processor, decoder),
 * keyed by the tokenizer.json `type`. An unknown type is an `UnsupportedComponentError`, never a
 * silent fallback.
 */
export class ComponentRegistry<T> {
  private readonly factories = new Map<string, ComponentFactory<T>>();

  constructor(readonly kind: string) {}

  register(type: string, factory: ComponentFactory<T>): this {
    this.factories.set(type, factory);
    return this;
  }

  types(): string[] {
    return [...this.factories.keys()];
  }

  build(value: unknown, path: string): T {
    if (buildDepth >= MAX_COMPONENT_DEPTH) {
      throw new TokenizerConfigError(path, `components are nested more than ${MAX_COMPONENT_DEPTH} deep`);
    }
    buildDepth++;
    try {
      return this.buildOne(value, path);
    } finally {
      buildDepth--;
    }
  }

  private buildOne(value: unknown, path: string): T {
    const config = asObject(value, path);
    const type = asString(config.type, `${path}.type`);
    const factory = this.factories.get(type);
    if (!factory) {
      throw new UnsupportedComponentError(this.kind, type, path, `supported: ${this.types().join(', ')}`);
    }
    return factory(config, path);
  }
}
