import type { GenerationTokenizer } from './decoder.js';

/** What one decoding step produced, as streamed. */
export interface GenerationChunk {
  /** 0 for the first new token. */
  readonly step: number;
  /** Per output row, the token it generated at this step, or null once the row has finished. */
  readonly tokens: readonly (number | null)[];
  /**
   * With a tokenizer: per output row, the text this token completes ('' while a character is still
   * split across tokens). A row's last chunk also carries whatever its decoder still held.
   */
  readonly text?: readonly string[];
}

/**
 * HF's streamer, as a callback object: `put` gets every step's chunk, `end` is called after the last
 * one when generation completes (not when it fails or is aborted: the error says so).
 */
export interface GenerationStreamer {
  put(chunk: GenerationChunk): void;
  end?(): void;
}

/** One incremental decoder per row (the tokenizer's `createStreamDecoder`), for streamed text. */
export class RowTextStreams {
  private readonly decoders: ReturnType<GenerationTokenizer['createStreamDecoder']>[];

  constructor(tokenizer: GenerationTokenizer, rows: number, skipSpecialTokens: boolean) {
    this.decoders = Array.from({ length: rows }, () => tokenizer.createStreamDecoder({ skipSpecialTokens }));
  }

  /** The text row `row`'s new token adds; `last` flushes the row's decoder too. */
  push(row: number, token: number, last: boolean): string {
    const decoder = this.decoders[row]!;
    const text = decoder.step(token);
    return last ? text + decoder.flush() : text;
  }
}
