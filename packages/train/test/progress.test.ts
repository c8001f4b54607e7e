/**
 * The progress reporter with a fake stream and clock: one rewritten line on a TTY, plain periodic lines
 * elsewhere, tokens/s and ETA worked out by hand; and Trainer.train writing through it.
 */
import { fileURLToPath } from 'node:url';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { describe, expect, it } from 'vitest';
import { SGD } from '../src/optimizer.js';
import { ProgressReporter, formatDuration } from '../src/progress.js';
import type { StepRecord } from '../src/trainer.js';
import { Trainer } from '../src/trainer.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (s: string) => chunks.push(s) } };
}
const record = (step: number, loss: number): StepRecord => ({ step, loss, gradNorm: 1, clipCoefficient: 1, learningRate: 0.001 });

describe('ProgressReporter', () => {
  it('not on a TTY: a plain line every `every` steps and at the last, with tokens/s and ETA', () => {
    const { chunks, stream } = fakeStream(false);
    let ms = 0;
    const progress = new ProgressReporter(5, 0, { stream, every: 2, now: () => ms });
    for (let step = 1; step <= 5; step++) {
      ms = step * 2000; // 2 s per step, 100 tokens per step
      progress.step(record(step, 4 - step / 2), step * 100);
    }
    expect(chunks).toEqual([
      'step 2/5 | loss 3.0000 | lr 1.00e-3 | 50 tokens/s | ETA 6s\n', // 3 steps left × 2 s
      'step 4/5 | loss 2.0000 | lr 1.00e-3 | 50 tokens/s | ETA 2s\n',
      'step 5/5 | loss 1.5000 | lr 1.00e-3 | 50 tokens/s | ETA 0s\n',
    ]);
  });

  it('on a TTY: one line rewritten in place, closed at the end and before an evaluation line', () => {
    const { chunks, stream } = fakeStream(true);
    let ms = 1000; // the clock's origin is not 0
    const progress = new ProgressReporter(103, 3, { stream, now: () => ms }); // resumed after step 3
    ms += 1000; // 1 s for 1 step: the 99 left take 99 s
    progress.step(record(4, 2.5), 400);
    progress.evaluation(4, { loss: 2.25, correct: 7 });
    ms += 59_000; // 60 s for 2 steps: the 98 left take 98 × 30 s = 2,940 s
    progress.step(record(5, 2), 800);
    progress.end();
    expect(chunks).toEqual([
      '\rstep 4/103 | loss 2.5000 | lr 1.00e-3 | 400 tokens/s | ETA 1m 39s\x1b[K',
      '\n',
      'eval at step 4: loss 2.2500 | correct 7\n',
      '\rstep 5/103 | loss 2.0000 | lr 1.00e-3 | 13 tokens/s | ETA 49m 00s\x1b[K',
      '\n',
    ]);
  });

  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(59.4), formatDuration(75), formatDuration(3725)]).toEqual(['0s', '59s', '1m 15s', '1h 02m 05s']);
  });

  it('refuses a stream without write and a bad cadence', () => {
    expect(() => new ProgressReporter(1, 0, { stream: {} as never })).toThrow(/write/);
    expect(() => new ProgressReporter(1, 0, { stream: fakeStream(false).stream, every: 0 })).toThrow(/every/);
  });
});

describe('Trainer.train progress', () => {
  it('writes a line per step through the given stream, counting input tokens', async () => {
    const backend = await createTfjsBackend({ device: 'cpu' });
    const model = await GPT2LMHeadModel.fromPretrained(fileURLToPath(new URL('../../../testdata/gpt2-tiny/', import.meta.url)), { backend });
    const trainer = new Trainer<{ inputIds: number[][]; labels: number[][]; attentionMask: number[][] }>({
      model,
      optimizer: new SGD({ groups: [{ params: model.parameters(), weightDecay: 0 }] }),
      learningRate: 0.01,
    });
    // 2 rows of 6 ids, 9 of them real (mask 1): 9 tokens per step.
    const batch = {
      inputIds: [
        [3, 1, 4, 1, 5, 9],
        [2, 6, 5, 3, 0, 0],
      ],
      attentionMask: [
        [1, 1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0, 0],
      ],
      labels: [
        [3, 1, 4, 1, 5, 9],
        [2, 6, 5, -100, -100, -100],
      ],
    };
    const { chunks, stream } = fakeStream(false);
    let ms = 0;
    const records = await trainer.train({ maxSteps: 3, batch: () => batch, progress: { stream, every: 1, now: () => (ms += 500) } });
    expect(trainer.tokensSeen).toBe(27);
    // Clock reads: 500 at the start, then 1000, 1500, 2000 at steps 1–3 (0.5 s per step, 9 tokens per step).
    expect(chunks).toEqual(
      records.map((r) => `step ${r.step}/3 | loss ${r.loss.toFixed(4)} | lr 1.00e-2 | 18 tokens/s | ETA ${[1, 1, 0][r.step - 1]}s\n`),
    );
    trainer.dispose();
    model.dispose();
    await backend.dispose();
  });
});
