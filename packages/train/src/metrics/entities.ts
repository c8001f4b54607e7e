import { InputError } from '@attnjs/core';

/** One entity: its type and the first and last (inclusive) positions, as seqeval's `get_entities` gives. */
export interface EntitySpan {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

export interface EntityOptions {
  /** Tags written `PER-B` instead of `B-PER` (seqeval's `suffix=True`). */
  readonly suffix?: boolean;
}

export interface EntityScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** How many entities of this type the references hold. */
  readonly number: number;
}

/** Hugging Face `evaluate`'s seqeval result: micro-averaged entity scores, token accuracy, and each type's scores. */
export interface SeqevalResult {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Share of tags equal to the reference tag, over every token. */
  readonly accuracy: number;
  readonly perType: Readonly<Record<string, EntityScores>>;
}

/** The chunk tag (B, I, E, S, O…) and type of one label, split as seqeval does; a label without a type is of type `_`. */
function splitTag(label: string, suffix: boolean): { tag: string; type: string } {
  if (suffix) {
    const body = label.slice(0, -1);
    const cut = body.lastIndexOf('-');
    return { tag: label.slice(-1), type: (cut < 0 ? body : body.slice(0, cut)) || '_' };
  }
  const body = label.slice(1);
  const cut = body.indexOf('-');
  return { tag: label.slice(0, 1), type: (cut < 0 ? body : body.slice(cut + 1)) || '_' };
}

/** seqeval's `end_of_chunk`: whether the entity open at the previous token ends before this one. */
function endsChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

/**
 * seqeval's `start_of_chunk`: B and S open entities, and so does an I or E that does not continue one
 * (after O, E or S, or of another type) — default mode's leniency toward IOB1 and stray I- tags.
 */
function startsChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((tag === 'I' || tag === 'E') && (prevTag === 'E' || prevTag === 'S' || prevTag === 'O')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/**
 * The entities in IOB1, IOB2, IOE or BIOES tags, as seqeval's `get_entities` (default, lenient mode) finds
 * them. Sentences are laid end to end with an `O` after each, so positions count over the whole list.
 */
export function getEntities(sentences: readonly (readonly string[])[], options: EntityOptions = {}): EntitySpan[] {
  const suffix = options.suffix ?? false;
  const labels = sentences.flatMap((s) => [...s, 'O']);
  labels.push('O'); // closes an entity that runs to the end, as seqeval's `seq + ['O']`
  const spans: EntitySpan[] = [];
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  labels.forEach((label, i) => {
    if (typeof label !== 'string' || label.length === 0) throw new InputError(`getEntities: label ${i} is ${JSON.stringify(label)}, expected a tag such as "B-PER" or "O"`);
    const { tag, type } = splitTag(label, suffix);
    if (endsChunk(prevTag, tag, prevType, type)) spans.push({ type: prevType, start: begin, end: i - 1 });
    if (startsChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  });
  return spans;
}

const divide = (a: number, b: number) => (b === 0 ? 0 : a / b);
const f1 = (p: number, r: number) => divide(2 * p * r, p + r);

/**
 * Entity-level precision, recall and F1 as seqeval (default mode) and Hugging Face `evaluate`'s "seqeval"
 * compute them: an entity counts as found only when its type, start and end all match a reference entity;
 * the overall scores are micro-averaged over types. Tag lists are per sentence (predictions first).
 */
export function seqeval(
  predictions: readonly (readonly string[])[],
  references: readonly (readonly string[])[],
  options: EntityOptions = {},
): SeqevalResult {
  if (predictions.length !== references.length) throw new InputError(`seqeval: ${predictions.length} predicted sentences for ${references.length} references`);
  let tokens = 0;
  let correctTokens = 0;
  references.forEach((reference, s) => {
    const predicted = predictions[s]!;
    if (predicted.length !== reference.length) {
      throw new InputError(`seqeval: sentence ${s} has ${predicted.length} predicted tags for ${reference.length} reference tags`);
    }
    tokens += reference.length;
    reference.forEach((tag, i) => (correctTokens += predicted[i] === tag ? 1 : 0));
  });
  const key = (e: EntitySpan) => `${e.start}:${e.end}`;
  const byType = (spans: EntitySpan[]) => {
    const out = new Map<string, Set<string>>();
    for (const e of spans) {
      if (!out.has(e.type)) out.set(e.type, new Set());
      out.get(e.type)!.add(key(e));
    }
    return out;
  };
  const wanted = byType(getEntities(references, options));
  const found = byType(getEntities(predictions, options));
  const types = [...new Set([...wanted.keys(), ...found.keys()])].sort();
  const perType: Record<string, EntityScores> = {};
  const total = { tp: 0, predicted: 0, actual: 0 };
  for (const type of types) {
    const actual = wanted.get(type) ?? new Set<string>();
    const predicted = found.get(type) ?? new Set<string>();
    const tp = [...predicted].filter((span) => actual.has(span)).length;
    total.tp += tp;
    total.predicted += predicted.size;
    total.actual += actual.size;
    const precision = divide(tp, predicted.size);
    const recall = divide(tp, actual.size);
    perType[type] = { precision, recall, f1: f1(precision, recall), number: actual.size };
  }
  const precision = divide(total.tp, total.predicted);
  const recall = divide(total.tp, total.actual);
  return { precision, recall, f1: f1(precision, recall), accuracy: divide(correctTokens, tokens), perType };
}
