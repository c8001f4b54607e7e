import type { HostTensor } from '../host.js';

/** What the decoding loop needs of a causal LM. GPT2LMHeadModel implements it. */
export interface CausalLM {
  readonly vocabSize: number;
  /** Longest sequence (prompt + new tokens) the position table allows. */
  readonly maxPositions: number;
  /** Starts a session over `rows` sequences. useCache=false: the session recomputes the whole prefix each step (same results). */
  startSession(rows: number, options: { useCache: boolean }): DecoderSession;
  /** generation_config.json defaults if the model folder had one (HF field names, snake_case), else undefined. */
  readonly generationConfig?: Readonly<Record<string, unknown>>;
}

export interface DecoderSession {
  /**
   * Feeds new tokens [rows, t] (first call: the left-padded prompts; then one token per row) with the
   * attention mask for the whole sequence so far [rows, past + t] (1 = real token, 0 = padding).
   * Positions come from the mask (cumulative sum − 1), as HF does for left padding.
   * Returns the last position's logits [rows, vocabSize] (float32 host tensor).
   */
  step(inputIds: HostTensor<'int32'>, attentionMask: HostTensor<'int32'>): Promise<HostTensor<'float32'>>;
  /** Beam search: new row i continues old row sourceRows[i] (cache rows are gathered inside the engine). */
  reorder(sourceRows: Int32Array): Promise<void>;
  /** Frees everything the session holds in the engine. Idempotent. */
  dispose(): void;
}
