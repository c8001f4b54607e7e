import { TokenizerError } from './errors.js';

export interface StreamDecoderOptions {
  /** Drop special added tokens, as `decode(…, { skipSpecialTokens })`. Default false. */
  skipSpecialTokens?: boolean;
}

/**
 * Incremental decoding for generation (HF `DecodeStream`). Each `step` decodes a short window of
 * recent ids and emits only what that adds past the text already emitted — and nothing while the
 * text ends in U+FFFD, i.e. while a UTF-8 character is still split across tokens (byte-level BPE
 * splits emoji and CJK into several tokens). `flush` emits whatever is left at the end.
 *
 * Concatenating every `step` and the `flush` gives `decode(allIds)` without transformers' clean-up
 * of spaces (which looks across tokens and could retract text already emitted).
 */
/** Ids that may wait for a character to complete before settled text is emitted anyway. */
const MAX_PENDING = 8;

export class StreamDecoder {
  private ids: number[] = [];
  private prefix = '';
  private prefixIndex = 0;
  private readonly skipSpecialTokens: boolean;

  constructor(
    private readonly decode: (ids: number[], skipSpecialTokens: boolean) => string,
    options: StreamDecoderOptions = {},
  ) {
    this.skipSpecialTokens = options.skipSpecialTokens ?? false;
  }

  /** Feeds one id; returns the new text ('' while a character is incomplete). */
  step(id: number): string {
    this.ids.push(id);
    const text = this.decode(this.ids, this.skipSpecialTokens);
    if (text.length <= this.prefix.length || text.endsWith('\ufffd')) return this.emitSettled(text);
    return this.emitUpTo(this.ids.length, text);
  }

  /**
   * Emits the text of `ids[0, end)` past the prefix and makes `end` the new emission point. Keeps the
   * ids since the previous emission as context, so the decoder sees what precedes the next token (a
   * leading space, a "##" continuation) exactly as in a full decode.
   */
  private emitUpTo(end: number, text: string): string {
    if (!text.startsWith(this.prefix)) {
      throw new TokenizerError('stream decoding: the decoder changed text it had already produced; use decode() on the whole sequence');
    }
    const added = text.slice(this.prefix.length);
    const nextPrefixIndex = end - this.prefixIndex;
    this.ids = this.ids.slice(this.prefixIndex);
    this.prefix = this.decode(this.ids.slice(0, nextPrefixIndex), this.skipSpecialTokens);
    this.prefixIndex = nextPrefixIndex;
    return added;
  }

  /**
   * While the text ends in U+FFFD nothing is emitted, and the ids since the last emission pile up:
   * a stream of invalid bytes would make every step decode all of them (quadratic). Once more than
   * `MAX_PENDING` are waiting, the text of all but the last four ids is emitted if it is settled: the
   * full text starts with it and has four more characters after it. A UTF-8 character spans at most
   * four bytes, so by then every byte of it has been seen and its decoding cannot change.
   */
  private emitSettled(text: string): string {
    if (this.ids.length - this.prefixIndex <= MAX_PENDING) return '';
    const end = this.ids.length - 4;
    const settled = this.decode(this.ids.slice(0, end), this.skipSpecialTokens);
    if (settled.length <= this.prefix.length || text.length - settled.length < 4 || !text.startsWith(settled)) return '';
    return this.emitUpTo(end, settled);
  }

  /** Emits what is still buffered (an incomplete character comes out as U+FFFD) and resets. */
  flush(): string {
    const text = this.decode(this.ids, this.skipSpecialTokens);
    const rest = text.length > this.prefix.length && text.startsWith(this.prefix) ? text.slice(this.prefix.length) : '';
    this.ids = [];
    this.prefix = '';
    this.prefixIndex = 0;
    return rest;
  }
}
