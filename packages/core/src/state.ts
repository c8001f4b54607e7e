import type { EngineState } from './backend.js';
import { BackendError, InputError } from './errors.js';
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
}

/**
 * The bookkeeping every backend's `EngineState` shares: named slots of engine tensors, replaced and freed
 * in one place, and a registry of live states for `Backend.memory()`. Backends supply only `SlotEngine`.
 */
export class StateSlots<T> implements EngineState {
  private readonly slots = new Map<string, T>();
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

  spec(name: string): { readonly dtype: DType; readonly shape: readonly number[] } | undefined {
    const t = this.slots.get(name);
    return t === undefined ? undefined : this.engine.spec(t);
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
  }

  /** Stores an engine tensor in a slot (the backend's run), freeing what the slot held unless it is the same tensor. */
  put(name: string, tensor: T): void {
    this.check();
    const old = this.slots.get(name);
    this.slots.set(name, tensor);
    if (old !== undefined && old !== tensor && ![...this.slots.values()].includes(old)) this.engine.free(old);
  }

  /** Whether `tensor` is held in some slot (a backend must not free it after a run). */
  holds(tensor: T): boolean {
    return [...this.slots.values()].includes(tensor);
  }

  delete(name: string): void {
    const t = this.slots.get(name);
    if (t === undefined) return;
    this.slots.delete(name);
    if (!this.holds(t)) this.engine.free(t);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    const held = new Set(this.slots.values());
    this.slots.clear();
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
