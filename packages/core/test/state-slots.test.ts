/**
 * `StateSlots`, the bookkeeping every backend's engine state shares, for slots that grow
 * (`Program.stateAppends`): the logical length it reports, spare capacity an engine may keep, what a
 * replacement keeps, typed errors, and that every tensor is freed exactly once.
 */
import { describe, expect, it } from 'vitest';
import { ShapeMismatchError } from '../src/errors.js';
import type { HostTensor } from '../src/host.js';
import { type SlotEngine, StateSlots } from '../src/state.js';

/** A fake engine tensor: a dense row-major array. */
interface Fake {
  readonly dtype: 'float32' | 'int32';
  readonly shape: number[];
  readonly data: number[];
}

/** The first `n` entries of `t` along `axis`. */
function prefix(t: Fake, axis: number, n: number): number[][] {
  const outer = t.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return Array.from({ length: outer }, (_, o) => t.data.slice(o * t.shape[axis]! * inner, (o * t.shape[axis]! + n) * inner));
}

/**
 * An engine that keeps spare capacity like ONNX Runtime's (in place while there is room, else twice the
 * size, zero-filled), and records what it allocates and frees.
 */
function fakeEngine() {
  const live = new Set<Fake>();
  let freedTwice = 0;
  const make = (dtype: Fake['dtype'], shape: number[], data: number[]): Fake => {
    const t = { dtype, shape, data };
    live.add(t);
    return t;
  };
  const engine: SlotEngine<Fake> = {
    name: 'fake',
    upload: (v: HostTensor) => make(v.dtype as Fake['dtype'], [...v.shape], Array.from(v.data as Float32Array)),
    download: async (t) => ({ dtype: t.dtype, shape: t.shape, data: Float32Array.from(t.data) }) as HostTensor,
    spec: (t) => ({ dtype: t.dtype, shape: t.shape }),
    bytes: (t) => t.data.length * 4,
    free: (t) => {
      if (!live.delete(t)) freedTwice++;
    },
    append: (held, length, value, axis) => {
      const need = length + value.shape[axis]!;
      const rows = prefix(held, axis, length);
      const added = prefix(value, axis, value.shape[axis]!);
      const inner = held.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const capacity = need <= held.shape[axis]! ? held.shape[axis]! : Math.max(need, 2 * held.shape[axis]!);
      const data = rows.flatMap((r, o) => [...r, ...added[o]!, ...new Array((capacity - need) * inner).fill(0)]);
      if (capacity === held.shape[axis]) {
        held.data.splice(0, held.data.length, ...data);
        return held;
      }
      return make(held.dtype, held.shape.map((d, i) => (i === axis ? capacity : d)), data);
    },
  };
  return { engine, live, make, freedTwice: () => freedTwice };
}

const host = (data: number[], shape: number[]): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from(data) });

describe('StateSlots with appended slots', () => {
  it('reports the logical length, holds the appended rows in order, and frees each tensor once', async () => {
    const { engine, live, make, freedTwice } = fakeEngine();
    const state = new StateSlots(engine, new Set());
    state.write('kv', host([], [2, 0, 1])); // two rows, empty along axis 1
    let want: number[][] = [[], []];
    for (let step = 1; step <= 9; step++) {
      const n = (step % 3) + 1;
      const values = Array.from({ length: 2 * n }, (_, i) => step * 100 + i);
      state.append('kv', make('float32', [2, n, 1], values), 1);
      want = want.map((r, o) => [...r, ...values.slice(o * n, (o + 1) * n)]);
      const length = want[0]!.length;
      expect(state.spec('kv')).toEqual({ dtype: 'float32', shape: [2, length, 1] });
      const held = await state.read('kv'); // as the engine holds it: spare capacity is zeros after the rows
      const capacity = held.shape[1]!;
      expect(capacity).toBeGreaterThanOrEqual(length);
      expect(Array.from(held.data)).toEqual(want.flatMap((r) => [...r, ...new Array(capacity - length).fill(0)]));
    }
    expect(live.size).toBe(1); // only what the slot holds now
    state.dispose();
    expect(live.size).toBe(0);
    expect(freedTwice()).toBe(0);
  });

  it('keeps the length when a same-dims tensor replaces the slot (rows reordered), and drops it otherwise', () => {
    const { engine, make } = fakeEngine();
    const state = new StateSlots(engine, new Set());
    state.write('kv', host([], [2, 0]));
    state.append('kv', make('float32', [2, 3], [1, 2, 3, 4, 5, 6]), 1);
    const capacity = engine.spec(state.get('kv')).shape[1]!;
    state.put('kv', make('float32', [2, capacity], new Array(2 * capacity).fill(7)));
    expect(state.spec('kv')!.shape).toEqual([2, 3]);
    state.put('kv', make('float32', [2, capacity + 1], new Array(2 * capacity + 2).fill(7)));
    expect(state.spec('kv')!.shape).toEqual([2, capacity + 1]);
    state.write('kv', host([1, 2], [2, 1]));
    expect(state.spec('kv')!.shape).toEqual([2, 1]);
    state.dispose();
  });

  it('refuses a value whose other dims or dtype differ, naming the slot, and frees it', () => {
    const { engine, live, make } = fakeEngine();
    const state = new StateSlots(engine, new Set());
    state.write('mask', host([1, 1], [2, 1]));
    const wrongRows = make('float32', [3, 1], [1, 1, 1]);
    expect(() => state.append('mask', wrongRows, 1)).toThrow(ShapeMismatchError);
    expect(() => state.append('mask', make('int32', [2, 1], [1, 1]), 1)).toThrow(/state slot "mask"/);
    expect(() => state.append('mask', make('float32', [2, 1], [1, 1]), 2)).toThrow(/along axis 2/);
    expect(live.size).toBe(1);
    expect(state.spec('mask')!.shape).toEqual([2, 1]);
    state.dispose();
  });
});
