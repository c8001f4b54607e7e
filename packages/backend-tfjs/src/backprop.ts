import { BackendError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';

/** What tfjs records per kernel while a tape is on (tfjs-core's TapeNode, internal). */
interface TapeNode {
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The tfjs engine members `tf.engine().gradients` itself uses (internal, stable across tfjs 4.x). */
interface TapingEngine {
  state: { activeTape: TapeNode[] | null };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T>(nameOrFn: string | (() => T), fn?: () => T): T;
}

/**
 * The nodes on a path from `xs` to `y`, each with only the inputs on such a path (what tfjs-core's
 * getFilteredNodesXToY does; that module is not exported).
 */
function nodesFromXsToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const onPath = tape.map((node) => {
    const hit = Object.values(node.inputs).some((t) => fromX.has(t.id));
    if (hit) for (const o of node.outputs) fromX.add(o.id);
    return hit;
  });
  const toY = new Set([y.id]);
  const kept: TapeNode[] = [];
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (!onPath[i] || !node.outputs.some((o) => toY.has(o.id))) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) {
      if (!fromX.has(t.id)) continue;
      inputs[name] = t;
      toY.add(t.id);
    }
    kept.push({ ...node, inputs });
  }
  return kept.reverse();
}

/**
 * d y / d xs with y = f() a scalar, as `tf.engine().gradients(f, xs, undefined, true)` computes it, but
 * freeing as it goes. tfjs keeps every intermediate gradient and every tensor saved for the backward pass
 * until the whole backward pass ends, so its peak is all activations plus all their gradients (BERT-base
 * 2×128 on tfjs-wasm: past the 4 GB heap). Walking the tape in reverse, a node's output gradients and
 * saved tensors are used by that node alone, so both are freed once it is done.
 * Returns y and one gradient per x (null where y does not depend on it).
 */
export function gradientsFreeingAsItGoes(f: () => tf.Tensor, xs: readonly tf.Tensor[]): { value: tf.Tensor; grads: (tf.Tensor | null)[] } {
  const engine = tf.engine() as unknown as TapingEngine;
  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  const tape = engine.state.activeTape ?? [];
  const nodes = nodesFromXsToY(tape, xs, y);
  const wanted = new Set(xs.map((x) => x.id));
  try {
    return engine.tidy('backward', () => {
      const grads = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
      for (let i = nodes.length - 1; i >= 0; i--) {
        const node = nodes[i]!;
        if (!node.gradient) throw new BackendError(`tfjs has no gradient for kernel ${node.kernelName}`);
        const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
        const inputGradients = node.gradient(dys);
        for (const [name, x] of Object.entries(node.inputs)) {
          let dx = engine.tidy(() => inputGradients[name]!());
          // A gradient passed through unchanged gets its own tensor (sharing the data), so freeing dy below is safe.
          if (dys.includes(dx)) dx = tf.clone(dx);
          const held = grads.get(x.id);
          grads.set(x.id, held ? tf.add(held, dx) : dx);
          if (held) {
            held.dispose();
            dx.dispose();
          }
        }
        // This node was the only user of its outputs' gradients and of what it saved.
        node.outputs.forEach((o, j) => {
          if (wanted.has(o.id)) return;
          grads.delete(o.id);
          dys[j]?.dispose();
        });
        for (const t of node.saved ?? []) t.dispose();
      }
      return { value: y, grads: xs.map((x) => grads.get(x.id) ?? null) };
    });
  } finally {
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
  }
}
