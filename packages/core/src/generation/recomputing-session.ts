import { AttnError, ShapeMismatchError } from '../errors.js';
import { type HostTensor, hostTensor } from '../host.js';
import type { DecoderSession } from './decoder.js';

/**
 * Runs the model over whole sequences: ids and mask [rows, T] → logits [rows, T, vocab], or only the
 * last position's [rows, 1, vocab] (all a step needs, and cheaper for a model that can skip the rest).
 */
export type FullForward = (inputIds: HostTensor<'int32'>, attentionMask: HostTensor<'int32'>) => Promise<HostTensor<'float32'>>;

/**
 * A `DecoderSession` without a cache, for `useCache: false` and for models that have no cached path:
 * it keeps the sequence so far on the host and, every step, runs `forward` over all of it and returns
 * the last position's logits. Slow (quadratic in the length) but the reference a cached session must
 * match token for token.
 */
export function recomputingSession(rows: number, forward: FullForward): DecoderSession {
  let ids: Int32Array<ArrayBuffer> = new Int32Array(0);
  let mask: Int32Array<ArrayBuffer> = new Int32Array(0);
  let length = 0;
  let disposed = false;
  const append = (old: Int32Array, added: Int32Array, t: number): Int32Array<ArrayBuffer> => {
    const out = new Int32Array(rows * (length + t));
    for (let r = 0; r < rows; r++) {
      out.set(old.subarray(r * length, (r + 1) * length), r * (length + t));
      out.set(added.subarray(r * t, (r + 1) * t), r * (length + t) + length);
    }
    return out;
  };
  return {
    async step(inputIds, attentionMask) {
      if (disposed) throw new AttnError('DecoderSession.step after dispose');
      const t = inputIds.shape[1]!;
      if (inputIds.shape[0] !== rows) throw new ShapeMismatchError('input_ids', [rows, t], inputIds.shape);
      if (attentionMask.shape[0] !== rows || attentionMask.shape[1] !== length + t) {
        throw new ShapeMismatchError('attention_mask', [rows, length + t], attentionMask.shape);
      }
      ids = append(ids, inputIds.data, t);
      mask = Int32Array.from(attentionMask.data);
      length += t;
      const logits = await forward(hostTensor(ids, [rows, length]), hostTensor(mask, [rows, length]));
      const [, width, vocab] = logits.shape as [number, number, number];
      if (logits.shape[0] !== rows || (width !== length && width !== 1)) throw new ShapeMismatchError('logits', [rows, length, vocab], logits.shape);
      const last = new Float32Array(rows * vocab);
      for (let r = 0; r < rows; r++) last.set(logits.data.subarray(((r + 1) * width - 1) * vocab, (r + 1) * width * vocab), r * vocab);
      return hostTensor(last, [rows, vocab]);
    },
    async reorder(sourceRows) {
      const gather = (from: Int32Array) => {
        const out = new Int32Array(from.length);
        sourceRows.forEach((source, r) => out.set(from.subarray(source * length, (source + 1) * length), r * length));
        return out;
      };
      ids = gather(ids);
      mask = gather(mask);
    },
    dispose() {
      disposed = true;
    },
  };
}
