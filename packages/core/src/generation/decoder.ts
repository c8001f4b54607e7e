import type { HostTensor } from '../host.js';

/**
 * What the decoding loop needs of a causal LM, and nothing more: every decoding strategy in this
 * folder is written against it, so any model that can run one step at a time (GPT-2 today) gets all
 * of them. `GPT2LMHeadModel` implements it.
 */
export interface CausalLM {
  readonly vocabSize: number;
  /** Longest sequence (prompt + new tokens, padding included) the position table allows. */
  readonly maxPositions: number;
  /**
   * Starts a session over `rows` sequences. `useCache: false` makes the session recompute the whole
   * prefix each step; its results are the same, only slower.
   */
  startSession(rows: number, options: { useCache: boolean }): DecoderSession;
  /**
   * `generation_config.json`'s defaults if the model folder had one (Hugging Face field names,
   * snake_case, e.g. `eos_token_id`), else undefined.
   */
  readonly generationConfig?: Readonly<Record<string, unknown>>;
}

/** One generation's state in the engine (the KV cache), over a fixed number of rows. */
export interface DecoderSession {
  /**
   * Feeds new tokens [rows, t] (first call: the left-padded prompts; then one token per row) with the
   * attention mask for the whole sequence so far [rows, past + t] (1 = real token, 0 = padding).
   * Positions come from the mask (cumulative sum − 1), as Hugging Face does for left padding.
   * Returns the last position's logits [rows, vocabSize].
   */
  step(inputIds: HostTensor<'int32'>, attentionMask: HostTensor<'int32'>): Promise<HostTensor<'float32'>>;
  /** Beam search: new row i continues old row `sourceRows[i]` (the cache rows are gathered inside the engine). */
  reorder(sourceRows: Int32Array): Promise<void>;
  /** Frees everything the session holds in the engine. Idempotent. */
  dispose(): void;
}

/**
 * The part of a tokenizer generation uses, for `stopStrings` and streamed text. `Tokenizer` from
 * @attnjs/tokenizers has this shape; core only describes it, so it does not depend on that package.
 */
export interface GenerationTokenizer {
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean; cleanUpTokenizationSpaces?: boolean }): string;
  /** An incremental decoder: `step` returns the text a new id completes, `flush` what is left at the end. */
  createStreamDecoder(options?: { skipSpecialTokens?: boolean }): { step(id: number): string; flush(): string };
}
