import { MissingTensorError, SafetensorsError } from './errors.js';
import type { HostTensor } from './host.js';
import { type NewHeadInit, initializeNewParameters } from './init.js';
import type { Module, Parameter } from './module.js';

/**
 * How one model's checkpoint differs from its module tree. Declared once per model; loading is
 * otherwise a key-for-key copy.
 */
export interface CheckpointSpec {
  /** Prefix of the base model (`transformer.`, `bert.`): a checkpoint may have it where the module has not, or vice versa. */
  readonly basePrefix?: string;
  /** Checkpoint keys the model knowingly does not use (buffers such as `attn.bias`, `position_ids`). */
  readonly ignore?: readonly RegExp[];
  /** Legacy key spellings, applied to every checkpoint key before matching (e.g. `gamma` → `weight`). */
  readonly renames?: readonly (readonly [RegExp, string])[];
  /** Task-head parameters (module names) that `initNewHeads` may start fresh when the checkpoint lacks them. */
  readonly newHeads?: readonly RegExp[];
}

export interface LoadReport {
  /** Checkpoint keys that matched no parameter and are not in `ignore` (e.g. a pretraining head on a base model). */
  readonly unexpected: string[];
  /** Head parameters the checkpoint lacked and `newHeads` initialised (HF's "newly initialized" list). */
  readonly newlyInitialized: string[];
}

/** TF-era LayerNorm names, which Hugging Face still renames on load. */
export const LEGACY_LAYER_NORM_RENAMES: readonly (readonly [RegExp, string])[] = [
  [/\.gamma$/, '.weight'],
  [/\.beta$/, '.bias'],
];

/**
 * Copies checkpoint tensors into the module's parameters. A parameter registered under several names
 * (a tied weight) is filled from the first name the checkpoint has. Throws `MissingTensorError` naming
 * the first parameter found under none of its names, and `ShapeMismatchError` on a wrong shape.
 */
export function loadParameters(
  module: Module,
  tensors: ReadonlyMap<string, HostTensor>,
  spec: CheckpointSpec = {},
  where = 'the checkpoint',
  newHeads?: NewHeadInit,
): LoadReport {
  const byKey = new Map<string, HostTensor>();
  for (const [key, tensor] of tensors) {
    const renamed = (spec.renames ?? []).reduce((k, [pattern, to]) => k.replace(pattern, to), key);
    byKey.set(renamed, tensor);
  }
  const prefix = spec.basePrefix ?? '';
  const candidatesFor = (name: string) => {
    if (!prefix) return [name];
    return name.startsWith(prefix) ? [name, name.slice(prefix.length)] : [name, prefix + name];
  };

  const namesOf = new Map<Parameter, string[]>();
  for (const [name, p] of module.namedParameters()) namesOf.set(p, [...(namesOf.get(p) ?? []), name]);

  const isHead = (name: string) => (spec.newHeads ?? []).some((re) => re.test(name));
  const used = new Set<string>();
  const missingHeads: [string, Parameter][] = [];
  for (const [param, names] of namesOf) {
    const key = names.flatMap(candidatesFor).find((k) => byKey.has(k));
    if (key === undefined && newHeads && isHead(names[0]!)) {
      missingHeads.push([names[0]!, param]);
      continue;
    }
    if (key === undefined) {
      const hint = isHead(names[0]!) ? ' (a task head: pass { initNewHeads: true } to fromPretrained to start it from fresh weights)' : '';
      throw new MissingTensorError(names[0]!, where + hint);
    }
    const tensor = byKey.get(key)!;
    if (tensor.dtype !== 'float32') {
      throw new SafetensorsError(`tensor "${key}" in ${where} is an integer tensor; parameter "${names[0]}" needs floats`);
    }
    param.assign(tensor as HostTensor<'float32'>, key);
    used.add(key);
  }
  const unexpected = [...byKey.keys()].filter((k) => !used.has(k) && !(spec.ignore ?? []).some((re) => re.test(k)));
  if (newHeads) initializeNewParameters(missingHeads, newHeads);
  return { unexpected, newlyInitialized: missingHeads.map(([name]) => name) };
}
