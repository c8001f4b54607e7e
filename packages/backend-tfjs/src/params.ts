import type { Parameter } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { upload } from './tensors.js';

interface Entry {
  /** The host value uploaded; a Parameter whose `value` was replaced since is uploaded again. */
  readonly source: Parameter['value'];
  readonly variable: tf.Variable;
}

/**
 * One backend's copies of parameters, keyed by the Parameter object. Each copy is a trainable tf.Variable
 * made while this backend's device is active, so it lives on that device; tidy never disposes variables.
 * A Map rather than a WeakMap because `dispose()` must reach every copy (engine memory is not GC'd).
 */
export class ParamStore {
  private readonly entries = new Map<Parameter, Entry>();
  /** [in, out] copies of 2-D parameters stored [out, in] (see `transposedOf`). */
  private readonly transposedCopies = new Map<Parameter, tf.Tensor>();
  private readonly ownerOf = new WeakMap<tf.Tensor, Parameter>();
  private isRecording = false;

  /** While gradients are recorded, copies are bypassed so gradients reach the variables themselves. */
  get recording(): boolean {
    return this.isRecording;
  }

  /**
   * Starting to record also frees the transposed copies: training replaces the parameters after every
   * step, which makes them stale anyway, and for BERT-base they (and tfjs-wasm's packed copies of them
   * for XNNPACK) hold ~0.8 GB of a 4 GB heap.
   */
  set recording(on: boolean) {
    if (on) {
      for (const copy of this.transposedCopies.values()) copy.dispose();
      this.transposedCopies.clear();
    }
    this.isRecording = on;
  }

  get size(): number {
    return this.entries.size;
  }

  get(p: Parameter): tf.Variable {
    const entry = this.entries.get(p);
    if (entry && entry.source === p.value) return entry.variable;
    this.release([p]);
    const initial = upload(p.value, 'parameter');
    const variable = tf.variable(initial, true);
    initial.dispose(); // the variable holds its own reference to the data
    this.entries.set(p, { source: p.value, variable });
    this.ownerOf.set(variable, p);
    return variable;
  }

  /** Replaces a parameter's engine copy (an optimiser step); the host `Parameter.value` stays as it was. */
  assign(p: Parameter, value: tf.Tensor): void {
    this.get(p).assign(value);
    this.transposedCopies.get(p)?.dispose(); // now stale
    this.transposedCopies.delete(p);
  }

  /**
   * The transpose of `t` when it is a 2-D parameter: a cached copy outside gradient recording, else a
   * per-call transpose (differentiable). Undefined for tensors that are not parameters. tfjs-backend-wasm
   * multiplies by a transposed right operand ~10× slower than by a plain one, and weights stored [out, in]
   * (nn.Linear, a tied LM head) are always used transposed.
   */
  transposedOf(t: tf.Tensor): tf.Tensor | undefined {
    const p = this.ownerOf.get(t);
    if (!p || t.rank !== 2) return undefined;
    if (this.recording) return tf.transpose(t);
    let copy = this.transposedCopies.get(p);
    if (!copy) {
      copy = tf.keep(tf.transpose(t));
      this.transposedCopies.set(p, copy);
    }
    return copy;
  }

  release(params: Iterable<Parameter>): void {
    for (const p of params) {
      this.entries.get(p)?.variable.dispose();
      this.entries.delete(p);
      this.transposedCopies.get(p)?.dispose();
      this.transposedCopies.delete(p);
    }
  }

  clear(): void {
    this.release([...this.entries.keys()]);
  }
}
