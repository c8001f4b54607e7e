import type { Backend, EngineMemory, EngineState, HostTensor, Kernels, Parameter, Program, RunOptions, StateAppend, Tensor } from '@attnjs/core';
import { BackendError, InputError, Ops, ShapeMismatchError, StateSlots, requireState, stateUsage } from '@attnjs/core';

import * as tf from '@tensorflow/tfjs-core';
import { gradientsFreeingAsItGoes } from './backprop.js';
import { activate, anyInitialised, initialisingNow, type TfjsDevice } from './devices.js';
import { createKernels } from './kernels/index.js';
import { ParamStore } from './params.js';
import { download, fromTf, swapLastAxes, tfOf, upload } from './tensors.js';

export interface ValueAndGrads<O extends string = string> {
  /** Every output of the program, `loss` included. */
  readonly outputs: Record<O, HostTensor>;
  /** d loss / d p for each requested parameter (zeros where the loss does not depend on it). */
  readonly grads: Map<Parameter, HostTensor>;
}

/**
 * An eager engine: `build` runs on real tfjs tensors inside tf.tidy, so every intermediate is freed when
 * the call returns and only the cached parameters (variables) outlive it.
 */

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function checkGradientSpec(program: Program): void {
  const spec = program.gradients;
  if (!spec) return;
  if (spec.wrt.length === 0) throw new InputError(`program "${program.key}": gradients.wrt is empty`);
  if (spec.into.length !== spec.wrt.length) {
    throw new InputError(`program "${program.key}": gradients.into names ${spec.into.length} slots for ${spec.wrt.length} parameters`);
  }
}

export class TfjsBackend implements Backend {
  readonly name: string;
  private readonly params = new ParamStore();
  private readonly kernels: Kernels;
  private readonly states = new Set<StateSlots<tf.Tensor>>();
  private disposed = false;

  /** `fusedKernels` false leaves linear, layerNorm and gelu to core's decompositions (see createTfjsBackend). */
  constructor(readonly device: TfjsDevice, fusedKernels = true) {
    this.name = `tfjs-${device}`;
    // Only tfjs-backend-wasm has the slow transposed-operand path; elsewhere tfjs transposes for free.
    const wasm = {
      transposed: (x: tf.Tensor) => this.params.transposedOf(x) ?? swapLastAxes(x),
      recording: () => this.params.recording,
    };
    this.kernels = createKernels(device, (p) => this.params.get(p), device === 'wasm' ? wasm : undefined, fusedKernels);
  }

  async run<I extends string, O extends string>(
    program: Program<I, O>,
    inputs: Partial<Record<I, HostTensor>>,
    options: RunOptions = {},
  ): Promise<Record<O, HostTensor>> {
    const usesState = Boolean(
      program.stateInputs?.length || Object.keys(program.stateOutputs ?? {}).length || Object.keys(program.stateAppends ?? {}).length || program.gradients,
    );
    const state = usesState ? requireState(options.state, this.states, program.key, this.name) : undefined;
    checkGradientSpec(program);
    // tfjs runs no op while a device initialises. From this check to the end of build all is synchronous,
    // so no other backend can switch devices or start an init in between.
    while (initialisingNow()) await anyInitialised();
    this.enter();
    const hostInputs = inputs as Record<string, HostTensor>;
    let outputs: Record<string, tf.Tensor>;
    if (program.gradients) {
      const spec = program.gradients;
      const result = this.differentiate(program, hostInputs, spec.wrt.map((p) => this.params.get(p)), state);
      outputs = result.outputs;
      try {
        result.grads.forEach((g, i) => this.storeGradient(state!, spec.into[i]!, g, spec.accumulate === true));
      } catch (error) {
        [...Object.values(outputs), ...result.grads].forEach((t) => !t.isDisposed && !state!.holds(t) && this.free(t));
        throw error;
      }
    } else {
      outputs = tf.tidy(() => this.build(program, hostInputs, state));
    }
    const missing = (options.outputs ?? []).filter((name) => !(name in outputs));
    if (missing.length) {
      for (const t of Object.values(outputs)) if (!state?.holds(t)) this.free(t);
      throw new InputError(`program "${program.key}" has no output ${missing.map((n) => `"${n}"`).join(', ')} to return`);
    }
    try {
      this.assignParameters(program, outputs);
    } catch (error) {
      Object.values(outputs).forEach((t) => this.free(t));
      throw error;
    }
    for (const [name, slot] of Object.entries(program.stateOutputs ?? {}) as [string, string][]) {
      const t = outputs[name]!;
      delete outputs[name];
      // A parameter passed straight through stays the parameter's; the slot gets its own copy.
      state!.put(slot, t instanceof tf.Variable ? tf.clone(t) : t);
    }
    for (const [name, { slot, axis }] of Object.entries(program.stateAppends ?? {}) as [string, StateAppend][]) {
      const t = outputs[name]!;
      delete outputs[name];
      state!.append(slot, t instanceof tf.Variable ? tf.clone(t) : t, axis);
    }
    if (options.outputs) {
      const wanted = new Set(options.outputs);
      const returned = new Set(options.outputs.map((name) => outputs[name]!)); // one tensor may have several names
      for (const name of Object.keys(outputs)) {
        if (wanted.has(name)) continue;
        const t = outputs[name]!;
        if (!returned.has(t) && !state?.holds(t)) this.free(t);
        delete outputs[name];
      }
    }
    return this.collect(outputs, state) as Promise<Record<O, HostTensor>>;
  }

  createState(): EngineState {
    this.enter();
    return new StateSlots<tf.Tensor>(
      {
        name: this.name,
        upload: (value, slot) => (this.enter(), upload(value, slot)),
        download,
        spec: (t) => ({ dtype: t.dtype === 'int32' ? 'int32' : 'float32', shape: t.shape }),
        bytes: (t) => t.size * 4,
        free: (t) => t.dispose(),
        // No spare capacity here: tfjs tensors are immutable, so a slot grows by concatenation.
        append: (held, length, value, axis) => {
          this.enter();
          return tf.tidy(() => tf.concat([length === held.shape[axis] ? held : tf.slice(held, 0, held.shape.map((d, i) => (i === axis ? length : d))), value], axis));
        },
      },
      this.states,
    );
  }

  memory(): EngineMemory {
    return { ...stateUsage(this.states), tensors: tf.memory().numTensors };
  }

  /**
   * Runs `program` (which must output a float32 scalar `loss`) and differentiates the loss with respect
   * to `params` by tfjs autodiff.
   */
  async valueAndGrads<I extends string, O extends string>(
    program: Program<I, O | 'loss'>,
    inputs: Record<I, HostTensor>,
    params: readonly Parameter[],
  ): Promise<ValueAndGrads<O | 'loss'>> {
    if (params.length === 0) throw new InputError('valueAndGrads: no parameters to differentiate');
    while (initialisingNow()) await anyInitialised();
    this.enter();
    const variables = params.map((p) => this.params.get(p));
    const { outputs, grads } = this.differentiate(program, inputs, variables);
    const [hostOutputs, hostGrads] = await Promise.all([
      this.collect(outputs as Record<O | 'loss', tf.Tensor>),
      this.collect(Object.fromEntries(grads.map((g, i) => [String(i), g]))),
    ]);
    return { outputs: hostOutputs, grads: new Map(params.map((p, i) => [p, hostGrads[String(i)]!])) };
  }

  release(_owner: object, params: Iterable<Parameter>): void {
    // Nothing is compiled per owner in an eager engine; only parameter copies are held.
    this.params.release(params);
  }

  async dispose(): Promise<void> {
    for (const state of [...this.states]) state.dispose();
    this.params.clear();
    this.disposed = true;
  }

  /** Puts a gradient into its slot, or adds it to what the slot holds. */
  private storeGradient(state: StateSlots<tf.Tensor>, slot: string, grad: tf.Tensor, accumulate: boolean): void {
    const held = accumulate && state.spec(slot) !== undefined ? state.get(slot) : undefined;
    if (held && !sameShape(held.shape, grad.shape)) {
      grad.dispose();
      throw new ShapeMismatchError(`gradient slot "${slot}"`, grad.shape, held.shape);
    }
    if (!held) return state.put(slot, grad);
    state.put(slot, tf.add(held, grad));
    grad.dispose();
  }

  /** Replaces parameters' engine copies by the program's `parameterOutputs` (checked first, so a bad one changes nothing). */
  private assignParameters(program: Program, outputs: Record<string, tf.Tensor>): void {
    const writes = Object.entries(program.parameterOutputs ?? {}) as [string, Parameter][];
    for (const [name, p] of writes) {
      const t = outputs[name];
      if (!t) throw new InputError(`program "${program.key}": parameter output "${name}" was not produced`);
      if (!sameShape(t.shape, p.shape) || t.dtype !== 'float32') {
        throw new ShapeMismatchError(`parameter output "${name}" (float32)`, p.shape, t.shape);
      }
    }
    for (const [name, p] of writes) {
      const t = outputs[name]!;
      delete outputs[name];
      this.params.assign(p, t);
      this.free(t);
    }
  }

  private enter(): void {
    if (this.disposed) throw new BackendError(`backend ${this.name} has been disposed`);
    activate(this.device);
  }

  /** Forward pass and backprop, synchronously; returns the outputs (loss included) and one gradient per variable. */
  private differentiate(
    program: Program,
    inputs: Record<string, HostTensor>,
    variables: tf.Variable[],
    state?: StateSlots<tf.Tensor>,
  ): { outputs: Record<string, tf.Tensor>; grads: tf.Tensor[] } {
    const kept: tf.Tensor[] = []; // outputs other than the loss, kept past tfjs's forward tidy
    this.params.recording = true;
    try {
      return tf.tidy(() => {
        const outputs: Record<string, tf.Tensor> = {};
        let failure: { error: unknown } | undefined;
        // An exception escaping `forward` would strand the tensors tfjs saved for backprop, so a failure
        // returns a dummy loss instead; tfjs then frees its tape as usual and the error is rethrown below.
        const forward = () => {
          try {
            Object.assign(outputs, this.build(program, inputs, state));
            const loss = outputs.loss;
            if (!loss) throw new InputError(`valueAndGrads: program "${program.key}" has no output named "loss"`);
            if (loss.rank !== 0 || loss.dtype !== 'float32') throw new ShapeMismatchError('loss (float32)', [], loss.shape);
            for (const [name, t] of Object.entries(outputs)) if (name !== 'loss') kept.push(tf.keep(t));
            return loss;
          } catch (error) {
            failure = { error };
            return tf.scalar(0);
          }
        };
        const { value, grads } = gradientsFreeingAsItGoes(forward, variables);
        if (failure) throw failure.error;
        outputs.loss = value;
        return { outputs, grads: grads.map((g, i) => g ?? tf.zerosLike(variables[i]!)) };
      });
    } catch (error) {
      kept.forEach((t) => this.free(t));
      throw error;
    } finally {
      this.params.recording = false;
    }
  }

  /** Uploads the inputs and builds the program; call inside a tidy so everything but the result is freed. */
  private build(program: Program, inputs: Record<string, HostTensor>, state?: StateSlots<tf.Tensor>): Record<string, tf.Tensor> {
    const tensors: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(inputs)) tensors[name] = fromTf(upload(value, name));
    for (const name of program.stateInputs ?? []) {
      if (name in tensors) throw new InputError(`program "${program.key}": "${name}" is a state input but was also passed from the host`);
      tensors[name] = fromTf(state!.get(name)); // made outside this tidy, so it survives it
    }
    const outputs: Record<string, tf.Tensor> = {};
    for (const [name, value] of Object.entries(program.build(new Ops(this.kernels), tensors))) {
      if (!(value instanceof tf.Tensor)) throw new BackendError(`program "${program.key}": output "${name}" is not a tensor`);
      const t = tfOf(value as Tensor);
      outputs[name] = t.dtype === 'bool' ? tf.cast(t, 'float32') : t;
    }
    return outputs;
  }

  /** Downloads every tensor into a HostTensor, then frees them (parameters stay cached). */
  private async collect<K extends string>(tensors: Record<K, tf.Tensor>, state?: StateSlots<tf.Tensor>): Promise<Record<K, HostTensor>> {
    const names = Object.keys(tensors) as K[];
    try {
      const values = await Promise.all(names.map((name) => download(tensors[name])));
      return Object.fromEntries(names.map((name, i) => [name, values[i]])) as Record<K, HostTensor>;
    } finally {
      for (const name of names) if (!state?.holds(tensors[name])) this.free(tensors[name]);
    }
  }

  private free(t: tf.Tensor): void {
    if (!(t instanceof tf.Variable)) t.dispose();
  }
}
