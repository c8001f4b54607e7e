import { InputError, MissingTensorError, SafetensorsError, UnusedWeightsError } from './errors.js';
import type { HostTensor } from './host.js';
import { type NewHeadInit, initializeNewParameters } from './init.js';
import { describeValue } from './inputs.js';
import type { Module, Parameter } from './module.js';

/**
 * How one model's checkpoint differs from its module tree. Declared once per model; loading is
 * otherwise a key-for-key copy.
 */
export interface CheckpointSpec {
  /** Prefix of the base model (`transformer.`, `bert.`): a checkpoint may have it where the module has not, or vice versa. */
  readonly basePrefix?: string;
  /**
   * Checkpoint keys the model knowingly does not use: buffers such as `attn.bias` and `position_ids`,
   * and optional parts of the base model some heads drop (BERT's pooler in the LM heads, as Hugging
   * Face's `_keys_to_ignore_on_load_unexpected` declares them).
   */
  readonly ignore?: readonly RegExp[];
  /** Legacy key spellings, applied to every checkpoint key before matching (e.g. `gamma` → `weight`). */
  readonly renames?: readonly (readonly [RegExp, string])[];
  /** Task-head parameters (module names) that `initNewHeads` may start fresh when the checkpoint lacks them. */
  readonly newHeads?: readonly RegExp[];
}

/**
 * What a load did with the checkpoint keys that filled no parameter. Keys are the checkpoint's own
 * spelling (before `renames`).
 */
export interface LoadReport {
  /**
   * Weights of heads this model does not have: keys outside the base-model prefix of a checkpoint
   * saved with one (`cls.*` when BertModel loads a BertForPreTraining checkpoint). Expected, as in
   * Hugging Face, and never an error.
   */
  readonly otherHeadKeys: string[];
  /** Keys matched by the spec's `ignore` list (buffers, optional components). */
  readonly ignoredKeys: string[];
  /**
   * Weights of the model's own architecture that it has no place for (e.g. `h.1.*` under a config.json
   * with `n_layer: 1`). Loading them is an `UnusedWeightsError` unless `allowUnusedWeights`.
   */
  readonly unusedKeys: string[];
  /** Head parameters the checkpoint lacked and `newHeads` initialised (HF's "newly initialized" list). */
  readonly newlyInitialized: string[];
}

export interface LoadOptions {
  /** Names the checkpoint in errors. */
  readonly where?: string;
  /** Names the model in errors. */
  readonly modelName?: string;
  /** Load even if the checkpoint holds weights of this architecture that the model does not use (listed in the report). */
  readonly allowUnusedWeights?: boolean;
  /** Start task heads (`CheckpointSpec.newHeads`) the checkpoint lacks from fresh weights (`initNewHeads`). */
  readonly newHeads?: NewHeadInit;
}

/** TF-era LayerNorm names, which Hugging Face still renames on load. */
export const LEGACY_LAYER_NORM_RENAMES: readonly (readonly [RegExp, string])[] = [
  [/\.gamma$/, '.weight'],
  [/\.beta$/, '.bias'],
];

/** How many entries an error message lists before saying "and N more" (the error object has them all). */
const LISTED_KEYS = 6;

/**
 * A short, readable list of checkpoint keys for an error message: keys under one numbered module
 * (`transformer.h.1.…`) collapse to `transformer.h.1.* (12 tensors)`, and the list stops after a few.
 */
export function summarizeKeys(keys: readonly string[]): string {
  if (keys.length === 0) return 'none';
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const match = /^(.*?\.\d+)\./.exec(key);
    const group = match ? `${match[1]}.*` : key;
    const members = groups.get(group);
    if (members) members.push(key);
    else groups.set(group, [key]);
  }
  const shown = [...groups].slice(0, LISTED_KEYS).map(([group, members]) =>
    members.length > 1 ? `${group} (${members.length} tensors)` : members[0]!,
  );
  const rest = groups.size - LISTED_KEYS;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

/** Checkpoint keys after `renames`; a literal key wins over a renamed one that collides with it. */
function renamedKeys(tensors: ReadonlyMap<string, HostTensor>, spec: CheckpointSpec): Map<string, string> {
  const byKey = new Map<string, string>(); // matching key → checkpoint key
  for (const key of tensors.keys()) {
    const renamed = (spec.renames ?? []).reduce((k, [pattern, to]) => k.replace(pattern, to), key);
    if (renamed === key || !tensors.has(renamed)) byKey.set(renamed, key);
  }
  return byKey;
}

const sameData = (a: HostTensor, b: HostTensor) =>
  a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]) &&
  a.data.length === b.data.length && a.data.every((v, i) => Object.is(v, b.data[i]));

/**
 * Copies checkpoint tensors into the module's parameters, or changes nothing and throws:
 *
 * - `ShapeMismatchError` / `SafetensorsError` for the first tensor of the wrong shape or an integer dtype;
 * - `MissingTensorError` when parameters are found under none of their names (all are listed);
 * - `UnusedWeightsError` when the checkpoint holds weights of the model's own architecture that fill no
 *   parameter, unless `allowUnusedWeights`.
 *
 * The rule for unused keys follows Hugging Face's base-model-prefix logic. In a checkpoint whose keys
 * carry the base prefix (`bert.`, `transformer.`), keys outside it belong to heads (`cls.*`,
 * `classifier.*`, `score.*`): a model without that head leaves them, as loading BertModel or
 * BertForMaskedLM from a BertForPreTraining checkpoint does. Every other unused key — inside the base
 * model, in a checkpoint saved without the prefix, or a second spelling of one of the model's own
 * parameters holding different values — means the checkpoint is a different model than config.json
 * describes (a different number of layers is never expected), and is an error. A parameter registered
 * under several names (a tied weight) is filled from its own name, else from an alias; its other
 * names may be present with identical values (a tied copy).
 */
export function loadParameters(
  module: Module,
  tensors: ReadonlyMap<string, HostTensor>,
  spec: CheckpointSpec = {},
  options: LoadOptions = {},
): LoadReport {
  const where = options.where ?? 'the checkpoint';
  if (!(tensors instanceof Map)) throw new InputError(`loadWeights takes a Map of checkpoint keys to host tensors, got ${describeValue(tensors)}`);
  const byKey = renamedKeys(tensors, spec);
  const prefix = spec.basePrefix ?? '';
  const candidatesFor = (name: string) => {
    if (!prefix) return [name];
    return name.startsWith(prefix) ? [name, name.slice(prefix.length)] : [name, prefix + name];
  };

  // A tied weight is filled from its own name first (`transformer.wte.weight`), as Hugging Face ties
  // the head to the embedding, and from an alias (`lm_head.weight`) only when that is all there is.
  const aliases = module.aliases();
  const namesOf = new Map<Parameter, string[]>();
  for (const [name, p] of module.namedParameters()) namesOf.set(p, [...(namesOf.get(p) ?? []), name]);
  for (const names of namesOf.values()) names.sort((a, b) => Number(aliases.has(a)) - Number(aliases.has(b)));

  const isHead = (name: string) => (spec.newHeads ?? []).some((re) => re.test(name));
  const missingHeads: [string, Parameter][] = [];
  const used = new Set<string>(); // checkpoint keys
  const ownNames = new Set<string>();
  const missing: string[] = [];
  const assignments: [Parameter, HostTensor<'float32'>, string][] = [];
  for (const [param, names] of namesOf) {
    const candidates = names.flatMap(candidatesFor);
    candidates.forEach((k) => ownNames.add(k));
    const found = candidates.filter((k) => byKey.has(k)).map((k) => byKey.get(k)!);
    if (found.length === 0) {
      if (options.newHeads && isHead(names[0]!)) missingHeads.push([names[0]!, param]);
      else missing.push(names[0]!);
      continue;
    }
    const key = found[0]!;
    const tensor = tensors.get(key)!;
    if (tensor.dtype !== 'float32') {
      throw new SafetensorsError(`tensor "${key}" in ${where} is an integer tensor; parameter "${names[0]}" needs floats`);
    }
    param.checkShape(tensor, key);
    assignments.push([param, tensor as HostTensor<'float32'>, key]);
    for (const other of found) if (other === key || sameData(tensors.get(other)!, tensor)) used.add(other);
  }

  const prefixed = prefix !== '' && [...tensors.keys()].some((k) => k.startsWith(prefix));
  const report: LoadReport = { otherHeadKeys: [], ignoredKeys: [], unusedKeys: [], newlyInitialized: missingHeads.map(([name]) => name) };
  for (const [renamed, key] of byKey) {
    if (used.has(key)) continue;
    if ((spec.ignore ?? []).some((re) => re.test(renamed))) report.ignoredKeys.push(key);
    else if (prefixed && !renamed.startsWith(prefix) && !ownNames.has(renamed)) report.otherHeadKeys.push(key);
    else report.unusedKeys.push(key);
  }
  const matchable = new Set(byKey.values());
  for (const key of tensors.keys()) if (!matchable.has(key)) report.unusedKeys.push(key); // shadowed by a literal key

  const modelName = options.modelName ?? 'the model';
  if (missing.length > 0) {
    const more = missing.length > 1 ? ` (${missing.length} missing in all: ${summarizeKeys(missing)})` : '';
    const unused = report.unusedKeys.length > 0 ? `; it holds instead: ${summarizeKeys(report.unusedKeys)}` : '';
    const hint = isHead(missing[0]!) ? ' (a task head: pass { initNewHeads: true } to fromPretrained to start it from fresh weights)' : '';
    throw new MissingTensorError(missing[0]!, where + hint, missing, report.unusedKeys, `${more}${unused}`);
  }
  if (report.unusedKeys.length > 0 && !options.allowUnusedWeights) {
    throw new UnusedWeightsError(
      `${where} holds ${report.unusedKeys.length} weight(s) that ${modelName} has no place for: ` +
        `${summarizeKeys(report.unusedKeys)}. config.json may not describe this checkpoint (e.g. its layer count); ` +
        'pass { allowUnusedWeights: true } to load without them (model.loadReport lists them)',
      report.unusedKeys,
    );
  }
  for (const [param, tensor, key] of assignments) param.assign(tensor, key);
  if (options.newHeads) initializeNewParameters(missingHeads, options.newHeads);
  return report;
}
