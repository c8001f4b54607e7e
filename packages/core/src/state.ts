import type { EngineState } from './backend.js';
import { BackendError, InputError, ShapeMismatchError } from './errors.js';
import type { DType, HostTensor } from './host.js';

/** How an engine handles its own tensors; everything else about a state is the same on every engine. */
export interface SlotEngine<T> {
  /** e.g. `tfjs-wasm`, for messages. */
  readonly name: string;
  upload(value: HostTensor, slot: string): T;
  download(tensor: T): Promise<HostTensor>;
  spec(tensor: T): { readonly dtype: DType; readonly shape: readonly number[] };
  bytes(tensor: T): number;
  free(tensor: T): void;
  /**
   * `value` appended to `held` along `axis`, where `held` holds `length` entries along it and any beyond
   * are spare capacity (zeros). Returns what the slot holds next: `held` itself when written in place, or a
   * new tensor. Frees neither argument.
   */
  append(held: T, length: number, value: T, axis: number): T;
}

/** An appended slot's axis and how many entries along it are real (the rest is spare capacity). */
interface Extent {
  readonly axis: number;
  readonly length: number;
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The bookkeeping every backend's `EngineState` shares: named slots of engine tensors, replaced and freed
 * in one place, and a registry of live states for `Backend.memory()`. Backends supply only `SlotEngine`.
 */
export class StateSlots<T> implements EngineState {
  private readonly slots = new Map<string, T>();
  private readonly extents = new Map<string, Extent>();
  private isDisposed = false;

  constructor(
    private readonly engine: SlotEngine<T>,
    private readonly live: Set<StateSlots<T>>,
  ) {
    live.add(this);
  }

  get names(): readonly string[] {
    return [...this.slots.keys()];
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Bytes and tensors held, for `Backend.memory()`. */
  get usage(): { tensors: number; bytes: number } {
    let bytes = 0;
    for (const t of this.slots.values()) bytes += this.engine.bytes(t);
    return { tensors: this.slots.size, bytes };
  }

  /** A slot's dtype and dims; an appended slot's length along its axis excludes spare capacity. */
  spec(name: string): { readonly dtype: DType; readonly shape: readonly number[] } | undefined {
    const t = this.slots.get(name);
    if (t === undefined) return undefined;
    const spec = this.engine.spec(t);
    const extent = this.extents.get(name);
    if (!extent) return spec;
    return { dtype: spec.dtype, shape: spec.shape.map((d, i) => (i === extent.axis ? extent.length : d)) };
  }

  /** The engine tensor in a slot, for the backend's run. */
  get(name: string): T {
    this.check();
    const t = this.slots.get(name);
    if (t === undefined) {
      throw new InputError(`${this.engine.name}: the engine state has no slot "${name}" (it holds ${this.names.join(', ') || 'nothing'})`);
    }
    return t;
  }

  async read(name: string): Promise<HostTensor> {
    return this.engine.download(this.get(name));
  }

  write(name: string, value: HostTensor): void {
    this.check();
    this.put(name, this.engine.upload(value, `state slot "${name}"`));
    this.extents.delete(name);
  }

  /**
   * Stores an engine tensor in a slot (the backend's run), freeing what the slot held unless it is the same
   * tensor. Replacing an appended slot by a tensor of the same dims (e.g. its rows reordered) keeps its length.
   */
  put(name: string, tensor: T): void {
    this.check();
    const old = this.slots.get(name);
    if (old !== undefined && this.extents.has(name) && !sameDims(this.engine.spec(old).shape, this.engine.spec(tensor).shape)) {
      this.extents.delete(name);
    }
    this.slots.set(name, tensor);
    if (old !== undefined && old !== tensor && ![...this.slots.values()].includes(old)) this.engine.free(old);
  }

  /** Appends an engine tensor to a slot along `axis` (the backend's run; see `Program.stateAppends`); takes `value` over. */
  append(name: string, value: T, axis: number): void {
    const held = this.get(name);
    const have = this.engine.spec(held);
    const add = this.engine.spec(value);
    const length = this.extents.get(name)?.length ?? have.shape[axis];
    const expected = have.shape.map((d, i) => (i === axis ? null : d));
    if (length === undefined || add.dtype !== have.dtype || add.shape.length !== have.shape.length || add.shape.some((d, i) => i !== axis && d !== have.shape[i])) {
      this.engine.free(value);
      throw new ShapeMismatchError(`${add.dtype} appended to state slot "${name}" (${have.dtype}) along axis ${axis}`, expected, add.shape);
    }
    const next = this.engine.append(held, length, value, axis);
    if (next !== value) this.engine.free(value);
    this.slots.set(name, next);
    if (next !== held && !this.holds(held)) this.engine.free(held);
    this.extents.set(name, { axis, length: length + add.shape[axis]! });
  }

  /** Whether `tensor` is held in some slot (a backend must not free it after a run). */
  holds(tensor: T): boolean {
    return [...this.slots.values()].includes(tensor);
  }

  delete(name: string): void {
    const t = this.slots.get(name);
    if (t === undefined) return;
    this.slots.delete(name);
    this.extents.delete(name);
    if (!this.holds(t)) this.engine.free(t);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    const held = new Set(this.slots.values());
    this.slots.clear();
    this.extents.clear();
    for (const t of held) this.engine.free(t);
    this.live.delete(this);
  }

  private check(): void {
    if (this.isDisposed) throw new BackendError(`${this.engine.name}: this engine state has been disposed`);
  }
}

/** Sums what a backend's live states hold. */
export function stateUsage<T>(live: ReadonlySet<StateSlots<T>>): { states: number; stateTensors: number; stateBytes: number } {
  let stateTensors = 0;
  let stateBytes = 0;
  for (const s of live) {
    const u = s.usage;
    stateTensors += u.tensors;
    stateBytes += u.bytes;
  }
  return { states: live.size, stateTensors, stateBytes };
}

/** The state a program that reads or writes slots runs against; a typed error when it is missing or foreign. */
export function requireState<T>(
  state: EngineState | undefined,
  live: ReadonlySet<StateSlots<T>>,
  programKey: string,
  backendName: string,
): StateSlots<T> {
  if (!state) throw new InputError(`${backendName}: program "${programKey}" reads or writes engine state, but no { state } was given`);
  if (!(state instanceof StateSlots) || !live.has(state as StateSlots<T>)) {
    throw new BackendError(
      state.disposed
        ? `${backendName}: the engine state passed to "${programKey}" has been disposed`
        : `${backendName}: the engine state passed to "${programKey}" belongs to another backend`,
    );
  }
  return state as StateSlots<T>;
}
