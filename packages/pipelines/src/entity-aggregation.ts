/**
 * Token-classification post-processing as Hugging Face's `TokenClassificationPipeline` defines it
 * (`aggregate`, `aggregate_words`, `group_entities`): per-token label probabilities in, entities out.
 * Pure host-side code, so every aggregation strategy is testable on hand-made scores.
 */

/** HF's `aggregation_strategy`. */
export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';

export const AGGREGATION_STRATEGIES: readonly AggregationStrategy[] = ['none', 'simple', 'first', 'average', 'max'];

/** One non-special token of the input, ready for aggregation (HF's "pre-entity"). */
export interface TokenPrediction {
  /** Probability of each label id (softmax over the token's logits). */
  readonly scores: ArrayLike<number>;
  /** The token as the vocabulary spells it (`##ing`, `Ġworld`); the input slice for an unknown token. */
  readonly word: string;
  /** `[start, end)` of the token in the input string, in UTF-16 code units (`text.slice(start, end)`). */
  readonly start: number;
  readonly end: number;
  /** Position of the token in the encoded sequence, special tokens counted. */
  readonly index: number;
  /** True when the token continues the previous token's word. */
  readonly isSubword: boolean;
}

/** A token's label (strategy 'none'). */
export interface TokenEntity {
  readonly entity: string;
  readonly score: number;
  readonly index: number;
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/** Adjacent tokens or words with the same tag, merged (every strategy but 'none'); keys as HF's and transformers.js's results. */
export interface EntityGroup {
  readonly entity_group: string;
  /** Mean of the members' scores. */
  readonly score: number;
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

export interface AggregationOptions {
  /** Label name per label id (config `id2label`). */
  readonly id2label: readonly string[];
  /** Tokens (or already joined words) → text, as HF's `convert_tokens_to_string` (the tokenizer's decoder). */
  readonly tokensToString: (tokens: readonly string[]) => string;
  /** Labels (strategy 'none') or groups (other strategies) to drop. Default `['O']`. */
  readonly ignoreLabels?: readonly string[];
}

/** A labelled unit before grouping: a token (none, simple) or a word (first, average, max). */
interface Labelled {
  readonly entity: string;
  readonly score: number;
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/** Index of the largest value; the first one on ties, as numpy's argmax. */
function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function maxOf(values: ArrayLike<number>): number {
  return values[argmax(values)]!;
}

function label(id2label: readonly string[], id: number): string {
  return id2label[id] ?? `LABEL_${id}`;
}

/** One word's decision from its sub-tokens (HF `aggregate_word`). */
function aggregateWord(tokens: readonly TokenPrediction[], strategy: 'first' | 'average' | 'max', options: AggregationOptions): Labelled {
  let scores: ArrayLike<number>;
  if (strategy === 'first') {
    scores = tokens[0]!.scores;
  } else if (strategy === 'max') {
    // The sub-token whose own top probability is highest decides; the first such token on ties.
    let best = tokens[0]!;
    for (const token of tokens) if (maxOf(token.scores) > maxOf(best.scores)) best = token;
    scores = best.scores;
  } else {
    const mean = new Float64Array(tokens[0]!.scores.length);
    for (const token of tokens) for (let c = 0; c < mean.length; c++) mean[c]! += token.scores[c]!;
    scores = mean.map((sum) => sum / tokens.length);
  }
  const id = argmax(scores);
  return {
    entity: label(options.id2label, id),
    score: scores[id]!,
    word: options.tokensToString(tokens.map((t) => t.word)),
    start: tokens[0]!.start,
    end: tokens.at(-1)!.end,
  };
}

/** Sub-tokens grouped into words: a token starts a new word unless it is a subword (HF `aggregate_words`). */
function words(tokens: readonly TokenPrediction[]): TokenPrediction[][] {
  const out: TokenPrediction[][] = [];
  for (const token of tokens) {
    if (out.length > 0 && token.isSubword) out.at(-1)!.push(token);
    else out.push([token]);
  }
  return out;
}

/** `B-PER` → ['B', 'PER']; a label without a B-/I- prefix continues like an I- tag (HF `get_tag`). */
function bioTag(entity: string): [string, string] {
  if (entity.startsWith('B-')) return ['B', entity.slice(2)];
  if (entity.startsWith('I-')) return ['I', entity.slice(2)];
  return ['I', entity];
}

/** Members of one group → the group (HF `group_sub_entities`: tag of the first member, mean score). */
function groupOf(members: readonly Labelled[], options: AggregationOptions): EntityGroup {
  const first = members[0]!.entity;
  const dash = first.indexOf('-');
  let score = 0;
  for (const member of members) score += member.score;
  return {
    entity_group: dash === -1 ? first : first.slice(dash + 1),
    score: score / members.length,
    word: options.tokensToString(members.map((m) => m.word)),
    start: members[0]!.start,
    end: members.at(-1)!.end,
  };
}

/** Adjacent units with the same tag merge unless the later one is a B- tag (HF `group_entities`). */
function groupEntities(units: readonly Labelled[], options: AggregationOptions): EntityGroup[] {
  const groups: EntityGroup[] = [];
  let members: Labelled[] = [];
  for (const unit of units) {
    if (members.length > 0) {
      const [bi, tag] = bioTag(unit.entity);
      const [, lastTag] = bioTag(members.at(-1)!.entity);
      if (tag !== lastTag || bi === 'B') {
        groups.push(groupOf(members, options));
        members = [];
      }
    }
    members.push(unit);
  }
  if (members.length > 0) groups.push(groupOf(members, options));
  return groups;
}

/**
 * The entities of one input: each token's label ('none'), or tokens ('simple') or words ('first',
 * 'average', 'max') grouped by B-/I- tag, with the ignored labels dropped afterwards as HF does.
 */
export function aggregateEntities(tokens: readonly TokenPrediction[], strategy: 'none', options: AggregationOptions): TokenEntity[];
export function aggregateEntities(tokens: readonly TokenPrediction[], strategy: Exclude<AggregationStrategy, 'none'>, options: AggregationOptions): EntityGroup[];
export function aggregateEntities(tokens: readonly TokenPrediction[], strategy: AggregationStrategy, options: AggregationOptions): TokenEntity[] | EntityGroup[];
export function aggregateEntities(tokens: readonly TokenPrediction[], strategy: AggregationStrategy, options: AggregationOptions): TokenEntity[] | EntityGroup[] {
  const ignored = new Set(options.ignoreLabels ?? ['O']);
  if (strategy === 'none' || strategy === 'simple') {
    const labelled: TokenEntity[] = tokens.map((token) => {
      const id = argmax(token.scores);
      return { entity: label(options.id2label, id), score: token.scores[id]!, index: token.index, word: token.word, start: token.start, end: token.end };
    });
    if (strategy === 'none') return labelled.filter((e) => !ignored.has(e.entity));
    return groupEntities(labelled, options).filter((g) => !ignored.has(g.entity_group));
  }
  const labelledWords = words(tokens).map((word) => aggregateWord(word, strategy, options));
  return groupEntities(labelledWords, options).filter((g) => !ignored.has(g.entity_group));
}

/**
 * Entities of overlapping windows of one long text, merged (HF `aggregate_overlapping_entities`): in
 * order of `start`, an entity starting inside the one kept before replaces it when it is longer, or as
 * long with a higher score; otherwise it is dropped.
 */
export function mergeOverlappingEntities<E extends { readonly start: number; readonly end: number; readonly score: number }>(entities: readonly E[]): E[] {
  if (entities.length === 0) return [];
  const sorted = [...entities].sort((a, b) => a.start - b.start);
  const merged: E[] = [];
  let kept = sorted[0]!;
  for (const entity of sorted.slice(1)) {
    if (kept.start <= entity.start && entity.start < kept.end) {
      const length = entity.end - entity.start;
      const keptLength = kept.end - kept.start;
      if (length > keptLength || (length === keptLength && entity.score > kept.score)) kept = entity;
    } else {
      merged.push(kept);
      kept = entity;
    }
  }
  merged.push(kept);
  return merged;
}
