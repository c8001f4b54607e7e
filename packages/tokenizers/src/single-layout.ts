import { filled, type Encoding } from './encoding.js';
import type { IdTable } from './id-table.js';
import { postProcess, type PostProcessor } from './post-processors/index.js';
import { ByteLevelPostProcessor, PostProcessorSequence, RobertaProcessing } from './post-processors/index.js';
import type { TokenSink } from './pipeline.js';

/**
 * The fast path of `encode` for one sequence without truncation or padding. What a post-processor
 * does to a single sequence is the same for every content token (special tokens before and after,
 * one type id), so it is worked out once by processing a one-token placeholder; encoding then builds
 * the result directly from the token sink, without merging arrays. Tokens, offsets and word ids are
 * materialized on first read: most callers only want ids and masks, and building 300k `[start, end]`
 * pairs and strings was most of the cost.
 */
export class SingleLayout {
  private constructor(
    private readonly before: Encoding,
    private readonly after: Encoding,
    private readonly typeId: number,
    private readonly sequenceId: number | null,
  ) {}

  /** null when the post-processor changes content tokens one by one (offset trimming). */
  static of(processor: PostProcessor | null, addSpecialTokens: boolean): SingleLayout | null {
    if (!uniformOnContent(processor)) return null;
    const placeholder: Encoding = {
      ids: [-1],
      tokens: [''],
      offsets: [[0, 0]],
      attentionMask: [1],
      typeIds: [0],
      specialTokensMask: [0],
      wordIds: [0],
      sequenceIds: [0],
      overflowing: [],
    };
    const out = postProcess(processor, placeholder, null, addSpecialTokens);
    const at = out.ids.indexOf(-1);
    const part = (from: number, to: number): Encoding => ({
      ids: out.ids.slice(from, to),
      tokens: out.tokens.slice(from, to),
      offsets: out.offsets.slice(from, to),
      attentionMask: out.attentionMask.slice(from, to),
      typeIds: out.typeIds.slice(from, to),
      specialTokensMask: out.specialTokensMask.slice(from, to),
      wordIds: out.wordIds.slice(from, to),
      sequenceIds: out.sequenceIds.slice(from, to),
      overflowing: [],
    });
    return new SingleLayout(part(0, at), part(at + 1, out.ids.length), out.typeIds[at], out.sequenceIds[at]);
  }

  get prefixIds(): readonly number[] {
    return this.before.ids;
  }

  get suffixIds(): readonly number[] {
    return this.after.ids;
  }

  build(sink: TokenSink, tokenStrings: IdTable): Encoding {
    const { before, after } = this;
    const content = sink.ids;
    const n = content.length;
    // The sink's typed arrays are reused by the next call: keep copies when reading them later.
    const lazy = n >= LAZY_FROM;
    const words = lazy ? sink.words!.slice(0, n) : sink.words!;
    const flat = lazy ? sink.offsets!.slice(0, 2 * n) : sink.offsets!;
    const addedText = sink.addedText;
    const prefix = before.ids.length;
    const join = <T>(middle: T[], key: 'ids' | 'attentionMask' | 'typeIds' | 'specialTokensMask' | 'sequenceIds'): T[] =>
      prefix === 0 && after.ids.length === 0 ? middle : (before[key] as T[]).concat(middle, after[key] as T[]);
    const encoding: Encoding = {
      ids: join(content, 'ids'),
      tokens: [],
      offsets: [],
      attentionMask: join(filled(n, 1), 'attentionMask'),
      typeIds: join(filled(n, this.typeId), 'typeIds'),
      specialTokensMask: join(filled(n, 0), 'specialTokensMask'),
      wordIds: [],
      sequenceIds: join(filled<number | null>(n, this.sequenceId), 'sequenceIds'),
      overflowing: [],
    };
    const suffix = after.ids.length;
    const tokensOf = () => {
      const tokens = prefix === 0 ? [] : before.tokens.slice();
      for (let i = 0; i < n; i++) tokens.push(tokenStrings.get(content[i])!);
      if (addedText !== null) for (const [i, text] of addedText) tokens[prefix + i] = text;
      for (let i = 0; i < suffix; i++) tokens.push(after.tokens[i]);
      return tokens;
    };
    const offsetsOf = () => {
      const offsets: Array<[number, number]> = [];
      for (let i = 0; i < prefix; i++) offsets.push([before.offsets[i][0], before.offsets[i][1]]);
      for (let i = 0; i < n; i++) offsets.push([flat[2 * i], flat[2 * i + 1]]);
      for (let i = 0; i < suffix; i++) offsets.push([after.offsets[i][0], after.offsets[i][1]]);
      return offsets;
    };
    const wordIdsOf = () => {
      const wordIds: Array<number | null> = prefix === 0 ? [] : before.wordIds.slice();
      for (let i = 0; i < n; i++) wordIds.push(words[i]);
      for (let i = 0; i < suffix; i++) wordIds.push(after.wordIds[i]);
      return wordIds;
    };
    if (n < LAZY_FROM) {
      encoding.tokens = tokensOf();
      encoding.offsets = offsetsOf();
      encoding.wordIds = wordIdsOf();
    } else {
      defineLazy(encoding, 'tokens', tokensOf);
      defineLazy(encoding, 'offsets', offsetsOf);
      defineLazy(encoding, 'wordIds', wordIdsOf);
    }
    return encoding;
  }
}

/**
 * Makes `key` an own, enumerable property computed on first read (and then kept); assigning to it
 * replaces it. Spreading or comparing the object reads it like any other field.
 */
function defineLazy<K extends keyof Encoding>(target: Encoding, key: K, compute: () => Encoding[K]): void {
  let value: Encoding[K] | undefined;
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get: () => (value ??= compute()),
    set: (next: Encoding[K]) => {
      value = next;
    },
  });
}

/** Below this many tokens everything is built at once (cheaper than defining accessors). */
const LAZY_FROM = 1024;

function uniformOnContent(processor: PostProcessor | null): boolean {
  if (processor instanceof ByteLevelPostProcessor || processor instanceof RobertaProcessing) return !processor.trimOffsets;
  if (processor instanceof PostProcessorSequence) return processor.processors.every(uniformOnContent);
  return true;
}
