/**
 * Extractive question answering's post-processing as Hugging Face's `QuestionAnsweringPipeline` defines
 * it (`select_starts_ends`, `decode_spans`, `postprocess`): start and end logits of each window of a
 * long context in, answers with character offsets into the context out. Pure host-side code.
 */

/** One window of `[CLS] question [SEP] context-part [SEP]`, without padding. */
export interface AnswerWindow {
  readonly startLogits: ArrayLike<number>;
  readonly endLogits: ArrayLike<number>;
  /**
   * Where an answer may start or end (HF: p_mask 0 and attention 1): the context's tokens, and the
   * [CLS] token, which stays in the softmax to score the null answer.
   */
  readonly allowed: ArrayLike<boolean>;
  /** Index of the [CLS] token whose scores make the null answer (HF uses the first position). */
  readonly clsIndex: number;
  /** Per token: `[start, end)` in the context (UTF-16 code units), word id, and which sequence it is from. */
  readonly offsets: ReadonlyArray<readonly [number, number]>;
  readonly wordIds: ReadonlyArray<number | null>;
  readonly sequenceIds: ReadonlyArray<number | null>;
}

export interface Answer {
  /** p_start · p_end, summed over the spans that give the same text (HF merges them). */
  score: number;
  /** `[start, end)` of the answer in the context; `answer === context.slice(start, end)`. */
  start: number;
  end: number;
  answer: string;
}

export interface AnswerOptions {
  readonly topK: number;
  /** Longest answer in tokens. */
  readonly maxAnswerLen: number;
  /** Offer the null answer ('' at 0..0) scored by the [CLS] start and end probabilities. */
  readonly handleImpossibleAnswer: boolean;
  /** Widen each span to the whole words its first and last tokens belong to. */
  readonly alignToWords: boolean;
}

/** The logit HF puts on positions that cannot hold the answer, before the softmax. */
const MASKED_LOGIT = -10000;

/** HF's min_null_score start: larger than any probability product. */
const NO_NULL_SCORE = 1_000_000;

/** softmax over the window with disallowed positions set to −10000 (HF), in float64. */
function maskedSoftmax(logits: ArrayLike<number>, allowed: ArrayLike<boolean>): Float64Array {
  const masked = Float64Array.from({ length: logits.length }, (_, i) => (allowed[i] ? logits[i]! : MASKED_LOGIT));
  const max = masked.reduce((a, b) => Math.max(a, b), -Infinity);
  let sum = 0;
  for (let i = 0; i < masked.length; i++) sum += masked[i] = Math.exp(masked[i]! - max);
  return masked.map((p) => p / sum);
}

export interface TokenSpan {
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

/**
 * One window's best token spans (HF `select_starts_ends` + `decode_spans`): start and end
 * probabilities from the masked softmaxes, score = p_start · p_end over spans with
 * start ≤ end < start + maxAnswerLen inside the allowed positions, best `count` first (ties: earlier
 * start, then earlier end). `nullScore` is the [CLS] product, taken before [CLS] is excluded from spans.
 */
export function windowSpans(window: AnswerWindow, count: number, maxAnswerLen: number): { spans: TokenSpan[]; nullScore: number } {
  const pStart = maskedSoftmax(window.startLogits, window.allowed);
  const pEnd = maskedSoftmax(window.endLogits, window.allowed);
  const cls = window.clsIndex;
  const nullScore = pStart[cls]! * pEnd[cls]!;
  const spans: TokenSpan[] = [];
  const length = pStart.length;
  for (let start = 0; start < length; start++) {
    if (!window.allowed[start] || start === cls) continue;
    for (let end = start; end < Math.min(length, start + maxAnswerLen); end++) {
      if (window.allowed[end] && end !== cls) spans.push({ start, end, score: pStart[start]! * pEnd[end]! });
    }
  }
  // A stable sort keeps the (start, end) order among equal scores.
  spans.sort((a, b) => b.score - a.score);
  return { spans: spans.slice(0, count), nullScore };
}

/** The first and last token of `word` in the context part of the window (HF `word_to_chars`). */
function wordChars(window: AnswerWindow, word: number): [number, number] {
  let start = -1;
  let end = -1;
  for (let k = 0; k < window.wordIds.length; k++) {
    if (window.sequenceIds[k] !== 1 || window.wordIds[k] !== word) continue;
    if (start === -1) start = window.offsets[k]![0];
    end = window.offsets[k]![1];
  }
  return [start, end];
}

/** A token span → `[start, end)` in the context (HF `get_indices`). */
function charSpan(window: AnswerWindow, span: TokenSpan, alignToWords: boolean): [number, number] {
  const startWord = window.wordIds[span.start];
  const endWord = window.wordIds[span.end];
  if (alignToWords && startWord != null && endWord != null) return [wordChars(window, startWord)[0], wordChars(window, endWord)[1]];
  return [window.offsets[span.start]![0], window.offsets[span.end]![1]];
}

/**
 * The `topK` answers for one question over all windows of its context (HF `postprocess`): each
 * window's best spans (2·topK + 10 of them when aligning to words, since several spans can widen to the
 * same words), mapped to context text; spans giving the same text (case-insensitively) add their
 * scores; the null answer, scored by the smallest [CLS] product over the windows, joins when
 * `handleImpossibleAnswer` is set; best first (earlier found first on ties).
 */
export function selectAnswers(context: string, windows: readonly AnswerWindow[], options: AnswerOptions): Answer[] {
  const count = options.alignToWords ? options.topK * 2 + 10 : options.topK;
  const answers: Answer[] = [];
  let minNullScore = NO_NULL_SCORE;
  for (const window of windows) {
    const { spans, nullScore } = windowSpans(window, count, options.maxAnswerLen);
    minNullScore = Math.min(minNullScore, nullScore);
    for (const span of spans) {
      const [start, end] = charSpan(window, span, options.alignToWords);
      const text = context.slice(start, end);
      const same = answers.find((a) => a.answer.toLowerCase() === text.toLowerCase());
      if (same) same.score += span.score;
      else answers.push({ score: span.score, start, end, answer: text });
    }
  }
  if (options.handleImpossibleAnswer) answers.push({ score: minNullScore, start: 0, end: 0, answer: '' });
  answers.sort((a, b) => b.score - a.score);
  return answers.slice(0, options.topK);
}
