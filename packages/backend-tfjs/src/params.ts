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

  get size(): number {
    return this.entries.size;
  }

  get(p: Parameter): tf.Variable {
    const entry = this.entries.get(p);
    if (entry && entry.source === p.value) return entry.variable;
    entry?.variable.dispose();
    const initial = upload(p.value, 'parameter');
    const variable = tf.variable(initial, true);
    initial.dispose(); // the variable holds its own reference to the data
    this.entries.set(p, { source: p.value, variable });
    return variable;
  }

  release(params: Iterable<Parameter>): void {
    for (const p of params) {
      this.entries.get(p)?.variable.dispose();
      this.entries.delete(p);
    }
  }

  clear(): void {
    this.release([...this.entries.keys()]);
  }
}
