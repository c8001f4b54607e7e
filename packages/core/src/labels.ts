/**
 * What task heads share: the label fields of a Hugging Face config (`num_labels`, `id2label`,
 * `label2id`, `problem_type`), HF's rule for which loss a sequence classifier uses, and the host-side
 * checks of labels (a label outside `num_labels` is an InputError, not an index out of range on the engine).
 */
import type { ConfigReader } from './config.js';
import { ConfigError, InputError } from './errors.js';
import { type HostTensor, hostTensor, sizeOf } from './host.js';
import { checkRange, toLabels1d } from './inputs.js';
import type { Tensor } from './kernels.js';
import { IGNORE_INDEX, binaryCrossEntropyWithLogits, crossEntropy, meanSquaredError } from './losses.js';
import type { Ops } from './ops.js';
import type { FromPretrainedOptions } from './pretrained.js';

/** HF's `problem_type` values; each picks a loss for sequence classification. */
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';
const PROBLEM_TYPES: readonly ProblemType[] = ['regression', 'single_label_classification', 'multi_label_classification'];

/** The label fields of a task head's config, camelCased. */
export interface LabelConfig {
  /** `len(id2label)`; HF never writes `num_labels` to config.json and defaults to 2. */
  readonly numLabels: number;
  readonly id2label: Readonly<Record<number, string>>;
  readonly label2id: Readonly<Record<string, number>>;
  /** Unset: inferred on each call from `numLabels` and the labels' type, as HF infers it. */
  readonly problemType?: ProblemType;
}

/** `fromPretrained` options of the heads that classify: HF's `from_pretrained(..., num_labels=…)` overrides. */
export interface ClassifierPretrainedOptions extends HeadPretrainedOptions {
  /** Replaces config.json's labels with `LABEL_0 … LABEL_{n−1}` when their count differs (as HF's setter does). */
  readonly numLabels?: number;
  readonly id2label?: Readonly<Record<number | string, string>>;
  readonly label2id?: Readonly<Record<string, number>>;
  readonly problemType?: ProblemType;
}

/** `fromPretrained` options of every task head. */
export interface HeadPretrainedOptions extends FromPretrainedOptions {
  /**
   * Start the task head (and BERT's pooler) from fresh weights when the checkpoint lacks them, as HF
   * does with its "newly initialized" warning when fine-tuning from a base checkpoint: weights
   * N(0, config.initializer_range) from a fixed seed, biases 0. Without it a missing head tensor is a
   * MissingTensorError. The backbone must always be in the checkpoint.
   */
  readonly initNewHeads?: boolean;
}

export const HEAD_OPTIONS = ['initNewHeads'] as const;
export const CLASSIFIER_OPTIONS = [...HEAD_OPTIONS, 'numLabels', 'id2label', 'label2id', 'problemType'] as const;

const defaultLabels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [i, `LABEL_${i}`]));
const invert = (id2label: Record<number, string>) => Object.fromEntries(Object.entries(id2label).map(([i, l]) => [l, Number(i)]));

/** JSON keys are strings; HF turns them into ints and so must every key be one. */
function parseId2label(value: unknown, source: string): Record<number, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${source}: "id2label" must be an object`);
  const out: Record<number, string> = {};
  for (const [key, label] of Object.entries(value)) {
    if (!/^\d+$/.test(key) || typeof label !== 'string') {
      throw new ConfigError(`${source}: "id2label" entry ${JSON.stringify(key)}: ${JSON.stringify(label)} must map an integer to a string`);
    }
    out[Number(key)] = label;
  }
  return out;
}

function parseLabel2id(value: unknown, source: string): Record<string, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${source}: "label2id" must be an object`);
  for (const [label, id] of Object.entries(value)) {
    if (!Number.isInteger(id)) throw new ConfigError(`${source}: "label2id" entry ${JSON.stringify(label)} must map to an integer, got ${JSON.stringify(id)}`);
  }
  return { ...(value as Record<string, number>) };
}

function parseProblemType(value: unknown, source: string): ProblemType | undefined {
  if (value === undefined || value === null) return undefined;
  if (!PROBLEM_TYPES.includes(value as ProblemType)) {
    throw new ConfigError(`${source}: "problem_type" is ${JSON.stringify(value)}; supported: ${PROBLEM_TYPES.join(', ')}`);
  }
  return value as ProblemType;
}

/**
 * The label fields as HF's PretrainedConfig reads them: `id2label` decides `numLabels`; without it
 * `num_labels` (if a hand-written file has it) or 2, named `LABEL_i`. `overrides` are `fromPretrained`'s.
 */
export function labelConfigFromJSON(config: ConfigReader, overrides: ClassifierPretrainedOptions | object = {}): LabelConfig {
  const o = overrides as ClassifierPretrainedOptions;
  const source = config.source;
  let id2label = o.id2label !== undefined
    ? parseId2label(o.id2label, 'fromPretrained options')
    : config.has('id2label') ? parseId2label(config.json.id2label, source) : defaultLabels(config.int('num_labels', 2));
  // New names without their inverse get it derived, not the file's stale label2id.
  let label2id = o.label2id !== undefined
    ? parseLabel2id(o.label2id, 'fromPretrained options')
    : config.has('label2id') && o.id2label === undefined ? parseLabel2id(config.json.label2id, source) : invert(id2label);
  if (o.numLabels !== undefined) {
    if (!Number.isInteger(o.numLabels) || o.numLabels < 1) throw new ConfigError(`fromPretrained: numLabels must be a positive integer, got ${o.numLabels}`);
    if (o.id2label !== undefined && Object.keys(id2label).length !== o.numLabels) {
      throw new ConfigError(`fromPretrained: numLabels is ${o.numLabels} but id2label has ${Object.keys(id2label).length} labels`);
    }
    if (Object.keys(id2label).length !== o.numLabels) [id2label, label2id] = [defaultLabels(o.numLabels), invert(defaultLabels(o.numLabels))];
  }
  const numLabels = Object.keys(id2label).length;
  if (numLabels === 0) throw new ConfigError(`${source}: "id2label" is empty; a head needs at least one label`);
  const problemType = o.problemType !== undefined
    ? parseProblemType(o.problemType, 'fromPretrained options')
    : parseProblemType(config.json.problem_type, source);
  return { numLabels, id2label, label2id, problemType };
}

/** Sequence-classification labels: class ids [B], multi-hot rows [B][C], or regression targets. */
export type SequenceLabels = readonly number[] | readonly (readonly number[])[] | HostTensor;

/** HF infers the problem from the label dtype; here a JS array of integers is "long", a nested array or a fraction is "float". */
function isIntegerLabels(labels: SequenceLabels): boolean {
  if (!Array.isArray(labels)) return (labels as HostTensor).dtype === 'int32';
  return labels.every((v) => typeof v === 'number' && Number.isInteger(v));
}

function floatLabels(labels: SequenceLabels, name: string): HostTensor<'float32'> {
  if (!Array.isArray(labels)) {
    const t = labels as HostTensor;
    return hostTensor(Float32Array.from(t.data), t.shape);
  }
  const nested = labels.length > 0 && Array.isArray(labels[0]);
  const rows = (nested ? labels : (labels as number[]).map((v) => [v])) as readonly (readonly number[])[];
  const width = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, b) => {
    if (!Array.isArray(row) || row.length !== width) throw new InputError(`${name}[${b}] must be an array of ${width} numbers`);
    row.forEach((v, c) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${name}[${b}][${c}] = ${v} is not a finite number`);
      data[b * width + c] = v;
    });
  });
  return hostTensor(data, nested ? [rows.length, width] : [rows.length]);
}

/**
 * Checks sequence-classification labels against the batch and `numLabels`, resolves HF's problem type
 * (config's, else 1 label → regression, integer labels → single-label, otherwise multi-label) and
 * returns the feed the loss expects: int32 [B] for single-label, float32 [B, C] for the other two.
 */
export function sequenceLabelsFeed(
  labels: SequenceLabels,
  config: LabelConfig,
  batch: number,
  where: string,
): { labels: HostTensor; problemType: ProblemType } {
  const C = config.numLabels;
  const problemType: ProblemType =
    config.problemType ?? (C === 1 ? 'regression' : isIntegerLabels(labels) ? 'single_label_classification' : 'multi_label_classification');
  if (problemType === 'single_label_classification') {
    if (!isIntegerLabels(labels)) throw new InputError(`${where}: single-label classification needs integer class ids as labels`);
    const ids = toLabels1d(Array.isArray(labels) ? (labels as number[]) : flatInt(labels as HostTensor<'int32'>, 'labels'), 'labels');
    if (ids.shape[0] !== batch) throw new InputError(`${where}: labels has ${ids.shape[0]} entries for a batch of ${batch}`);
    checkRange(ids, C, 'labels', [IGNORE_INDEX]);
    return { labels: ids, problemType };
  }
  const values = floatLabels(labels, 'labels');
  // Regression with one label takes [B] or [B, 1] (HF squeezes both sides); otherwise [B, C].
  const expected = [batch, C];
  if (sizeOf(values.shape) !== batch * C || (values.shape.length === 1 && C !== 1) || values.shape[0] !== batch) {
    throw new InputError(`${where}: ${problemType} labels have shape [${values.shape.join(', ')}], expected [${expected.join(', ')}] (num_labels = ${C})`);
  }
  if (problemType === 'multi_label_classification') {
    const bad = values.data.findIndex((v) => !(v >= 0 && v <= 1));
    if (bad >= 0) throw new InputError(`${where}: multi-label targets must lie in [0, 1]; labels[${Math.floor(bad / C)}][${bad % C}] = ${values.data[bad]}`);
  }
  return { labels: hostTensor(values.data, expected), problemType };
}

/** [B] or [B, 1] int32 (HF squeezes the trailing 1) → [B]. */
function flatInt(t: HostTensor<'int32'>, name: string): HostTensor<'int32'> {
  if (t.dtype !== 'int32') throw new InputError(`${name} must be int32, got ${t.dtype}`);
  if (t.shape.length === 1) return t;
  if (t.shape.length === 2 && t.shape[1] === 1) return hostTensor(t.data, [t.shape[0]!]);
  throw new InputError(`${name} must have shape [batch], got [${t.shape.join(', ')}]`);
}

/** The loss HF's sequence classifiers pick for `problemType` (labels as `sequenceLabelsFeed` returns them). */
export function sequenceClassificationLoss(ops: Ops, logits: Tensor, labels: Tensor, problemType: ProblemType): Tensor {
  if (problemType === 'regression') return meanSquaredError(ops, logits, labels);
  if (problemType === 'multi_label_classification') return binaryCrossEntropyWithLogits(ops, logits, labels);
  return crossEntropy(ops, logits, labels);
}

/**
 * Answer-span positions [B] as HF's question-answering heads treat them: clamped to [0, T], and T (a
 * position past the window: the answer is not in it) ignored — here mapped to IGNORE_INDEX.
 */
export function spanPositionsFeed(value: readonly number[] | HostTensor<'int32'>, name: string, batch: number, length: number): HostTensor<'int32'> {
  const t = toLabels1d(Array.isArray(value) ? value : flatInt(value as HostTensor<'int32'>, name), name);
  if (t.shape[0] !== batch) throw new InputError(`${name} has ${t.shape[0]} entries for a batch of ${batch}`);
  return hostTensor(Int32Array.from(t.data, (p) => (p >= length ? IGNORE_INDEX : Math.max(p, 0))), [batch]);
}
