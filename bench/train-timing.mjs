/**
 * How the training benchmark sets up and times one engine, shared by the Node worker
 * (bench/train-worker.mjs) and the browser page (bench/train-page.mjs), so both count the same things.
 * No Node imports: it is bundled into the page.
 *
 * Forwards first (the weights are still the initial ones, so every forward gives the initial loss), then
 * training steps. The first forward uploads weights and is reported apart; the first step (optimizer
 * state created, kernels set up) is a warm-up, reported apart too. A slow engine stops early: at most
 * `runs` timed calls of each, and no more once `budgetMs` has been spent on them (at least one).
 */
import { AdamW, Trainer, decayGroups } from '@attnjs/train';

/**
 * The two things timed, for a loaded model and the row's recipe and batch: `forward()` runs the model's
 * program for its loss alone (the logits stay in the engine), `step()` is one `Trainer.trainStep` (AdamW
 * with weight decay on rank ≥ 2 tensors only, clipping; gradients and moments stay in the engine).
 */
export function trainingCalls(model, recipe, batch) {
  const { learningRate, betas, eps, weightDecay, maxGradNorm } = recipe;
  const trainer = new Trainer({ model, optimizer: new AdamW({ groups: decayGroups(model, weightDecay), betas, eps }), learningRate, maxGradNorm });
  const bound = model.forwardProgram(batch);
  return {
    forward: async () => (await model.backend.run(bound.program, bound.inputs, { outputs: ['loss'] })).loss.data[0],
    step: async () => (await trainer.trainStep([batch])).loss,
    dispose: () => trainer.dispose(),
  };
}

/** Milliseconds of up to `runs` calls of `fn`, stopping once `budgetMs` is spent (at least one call). */
async function timedRuns(fn, runs, budgetMs, log, label) {
  const times = [];
  const start = performance.now();
  for (let i = 0; i < runs && (i === 0 || performance.now() - start < budgetMs); i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    log(`${label} ${i + 1}/${runs}: ${times[i].toFixed(0)} ms`);
  }
  return times;
}

/**
 * `forward()` resolves to the loss without training; `step()` takes one optimizer step and resolves to
 * its loss (before the update). Resolves to the times and every step's loss, in order.
 */
export async function measureTraining({ forward, step, runs, budgetMs, log = () => {} }) {
  let t0 = performance.now();
  const initialLoss = await forward();
  const firstForwardMs = performance.now() - t0;
  log(`first forward ${firstForwardMs.toFixed(0)} ms, loss ${initialLoss.toFixed(4)}`);
  if (firstForwardMs < budgetMs / 4) await forward(); // a second warm-up when it is cheap
  const forwardTimes = await timedRuns(forward, runs, budgetMs, log, 'forward');

  const losses = [];
  const recordedStep = async () => losses.push(await step());
  t0 = performance.now();
  await recordedStep();
  const firstStepMs = performance.now() - t0;
  log(`first step ${firstStepMs.toFixed(0)} ms, loss ${losses[0].toFixed(4)}`);
  const stepTimes = await timedRuns(recordedStep, runs, budgetMs, log, 'step');
  return { initialLoss, firstForwardMs, forwardTimes, firstStepMs, stepTimes, losses };
}
