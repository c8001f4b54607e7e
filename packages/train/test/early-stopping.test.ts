/**
 * Early stopping as Hugging Face's EarlyStoppingCallback counts patience (sequences worked by hand), its
 * saved state (continued on a resume of the same metric and mode), and
 * Trainer.train's evaluation cadence, callbacks and early stop on gpt2-tiny (tfjs-cpu) with scripted metrics.
 */
import { fileURLToPath } from 'node:url';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { InputError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { describe, expect, it } from 'vitest';
import { EarlyStopping } from '../src/early-stopping.js';
import { SGD } from '../src/optimizer.js';
import { Trainer } from '../src/trainer.js';

/** The evaluation (1-based) at which `update` first says stop, or 0. */
function stopsAt(stopper: EarlyStopping, values: number[], metric = 'loss'): number {
  for (const [i, value] of values.entries()) if (stopper.update({ [metric]: value })) return i + 1;
  return 0;
}

describe('EarlyStopping', () => {
  it('min mode: stops after `patience` evaluations without a new best', () => {
    // counters: 3 → 0 (first), 2 → 0, 2.5 → 1, 2.1 → 2 = patience.
    expect(stopsAt(new EarlyStopping({ metric: 'loss', patience: 2 }), [3, 2, 2.5, 2.1, 1.9])).toBe(4);
    // an improvement resets the counter: 3, 2.5 (0), 2.6 (1), 2.4 (0), 2.4 (1, equal is no improvement), 2.45 (2).
    const s = new EarlyStopping({ metric: 'loss', patience: 2 });
    expect(stopsAt(s, [3, 2.5, 2.6, 2.4, 2.4, 2.45])).toBe(6);
    expect(s.best).toBe(2.4);
  });

  it('max mode, and a threshold that an improvement must beat', () => {
    expect(stopsAt(new EarlyStopping({ metric: 'accuracy', patience: 1, mode: 'max' }), [0.5, 0.6, 0.55], 'accuracy')).toBe(3);
    // threshold 0.1: 0.5 (0), 0.55 (+0.05: counter 1, but the best moves to 0.55), 0.66 (+0.11 over 0.55: 0), 0.7 (1), 0.72 (2).
    const s = new EarlyStopping({ metric: 'accuracy', patience: 2, mode: 'max', threshold: 0.1 });
    expect(stopsAt(s, [0.5, 0.55, 0.66, 0.7, 0.72], 'accuracy')).toBe(5);
    expect(s.best).toBe(0.72);
  });

  it('continues from a saved state (a resume) when it watches the same metric in the same mode, else starts afresh', () => {
    const s = new EarlyStopping({ metric: 'loss', patience: 2 });
    expect(stopsAt(s, [2, 2.5])).toBe(0);
    expect(s.state()).toEqual({ metric: 'loss', mode: 'min', best: 2, patienceCounter: 1 });
    expect(JSON.parse(JSON.stringify(new EarlyStopping({ metric: 'loss', patience: 2 }).state())).best).toBe(null);
    // Restored: 2.1 is the second evaluation without a new best, so patience 2 is reached at once.
    expect(stopsAt(new EarlyStopping({ metric: 'loss', patience: 2 }, s.state()), [2.1])).toBe(1);
    // Another metric or mode: 2.1 or 1.5 is a first evaluation.
    expect(stopsAt(new EarlyStopping({ metric: 'perplexity', patience: 2 }, s.state()), [2.1], 'perplexity')).toBe(0);
    expect(stopsAt(new EarlyStopping({ metric: 'loss', patience: 2, mode: 'max' }, s.state()), [1.5])).toBe(0);
  });

  it('refuses bad options and a metric the evaluation lacks', () => {
    expect(() => new EarlyStopping({ metric: 'loss', patience: 0 })).toThrow(/patience/);
    expect(() => new EarlyStopping({ metric: 'loss', patience: 1, mode: 'up' as never })).toThrow(/mode/);
    expect(() => new EarlyStopping({ metric: 'loss', patience: 1, threshold: -1 })).toThrow(/threshold/);
    expect(() => new EarlyStopping({ metric: 'f1', patience: 1 }).update({ loss: 1 })).toThrow(/"f1" is not in the evaluation result \(loss\)/);
  });
});

describe('Trainer.train with evaluation', () => {
  it('evaluates every evalEvery steps, calls back, and stops early when the metric stalls', async () => {
    const backend = await createTfjsBackend({ device: 'cpu' });
    const model = await GPT2LMHeadModel.fromPretrained(fileURLToPath(new URL('../../../testdata/gpt2-tiny/', import.meta.url)), { backend });
    const trainer = new Trainer<{ inputIds: number[][]; labels: number[][] }>({
      model,
      optimizer: new SGD({ groups: [{ params: model.parameters(), weightDecay: 0 }] }),
      learningRate: 0.01,
    });
    const ids = [[3, 1, 4, 1, 5, 9, 2, 6]];
    const batch = { inputIds: ids, labels: ids };
    const scripted = [0.5, 0.7, 0.7, 0.65, 0.9]; // max mode, patience 2: the evaluation at step 8 stops it
    let call = 0;
    const evaluations: [number, number, number][] = [];
    const steps: number[] = [];
    const records = await trainer.train({
      maxSteps: 20,
      batch: () => batch,
      onStep: (r) => void steps.push(r.step),
      evaluate: { batches: [batch], computeMetrics: () => ({ score: scripted[call++]! }) },
      evalEvery: 2,
      onEvaluate: (metrics, step) => void evaluations.push([step, metrics.score!, metrics.loss!]),
      earlyStopping: { metric: 'score', patience: 2, mode: 'max' },
    });
    expect(records.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(evaluations.map(([step, score]) => [step, score])).toEqual([[2, 0.5], [4, 0.7], [6, 0.7], [8, 0.65]]);
    for (const [, , loss] of evaluations) expect(loss).toBeGreaterThan(0); // the loss comes with the metrics
    // A callback can stop training too.
    const more = await trainer.train({ maxSteps: 20, batch: () => batch, onStep: (r) => (r.step === 10 ? 'stop' : undefined) });
    expect(more.map((r) => r.step)).toEqual([9, 10]);
    await expect(trainer.train({ maxSteps: 20, batch: () => batch, evalEvery: 2 })).rejects.toThrow(/evaluate and evalEvery together/);
    await expect(trainer.train({ maxSteps: 20, batch: () => batch, earlyStopping: { metric: 'loss', patience: 1 } })).rejects.toThrow(InputError);
    await expect(trainer.train({ maxSteps: 20, batch: () => batch, evaluate: { batches: [batch] }, evalEvery: 0 })).rejects.toThrow(/evalEvery/);
    trainer.dispose();
    model.dispose();
    await backend.dispose();
  });
});
