import { hostTensor } from '../host.js';
import type { HostTensor } from '../host.js';

/** What a session step is fed. */
export interface StepFeeds {
  inputIds: HostTensor<'int32'>;
  attentionMask: HostTensor<'int32'>;
}

/**
 * The sequences a session decodes: each row's tokens without padding (what processors look at), and
 * the left-padded ids and attention mask the session is fed, which grows by one column per step.
 */
export class DecodingBatch {
  /** Per session row: prompt, then every token fed after it. */
  sequences: number[][];
  private mask: Int32Array;
  private length: number;

  constructor(
    prompts: readonly (readonly number[])[],
    private readonly padTokenId: number,
  ) {
    this.sequences = prompts.map((p) => [...p]);
    this.length = Math.max(...prompts.map((p) => p.length));
    this.mask = new Int32Array(prompts.length * this.length);
  }

  get rows(): number {
    return this.sequences.length;
  }

  /** The prompts, left-padded to the longest (HF pads decoder-only prompts on the left). */
  prefill(): StepFeeds {
    const { rows, length } = this;
    const ids = new Int32Array(rows * length).fill(this.padTokenId);
    this.sequences.forEach((prompt, row) => {
      const offset = row * length + length - prompt.length;
      ids.set(prompt, offset);
      this.mask.fill(1, offset, (row + 1) * length);
    });
    return { inputIds: hostTensor(ids, [rows, length]), attentionMask: hostTensor(this.mask, [rows, length]) };
  }

  /** Appends one token per row (finished rows get padding, which is still attended to, as in HF). */
  append(tokens: Int32Array): StepFeeds {
    const { rows, length } = this;
    const mask = new Int32Array(rows * (length + 1));
    for (let row = 0; row < rows; row++) {
      mask.set(this.mask.subarray(row * length, (row + 1) * length), row * (length + 1));
      mask[row * (length + 1) + length] = 1;
      this.sequences[row]!.push(tokens[row]!);
    }
    this.mask = mask;
    this.length = length + 1;
    return { inputIds: hostTensor(Int32Array.from(tokens), [rows, 1]), attentionMask: hostTensor(mask, [rows, this.length]) };
  }

  /** Beam search: row i becomes a copy of row `sourceRows[i]`. */
  reorder(sourceRows: Int32Array): void {
    const { length } = this;
    const mask = new Int32Array(this.mask.length);
    sourceRows.forEach((source, row) => mask.set(this.mask.subarray(source * length, (source + 1) * length), row * length));
    this.mask = mask;
    this.sequences = Array.from(sourceRows, (source) => [...this.sequences[source]!]);
  }
}
