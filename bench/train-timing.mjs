/**
 * How the training benchmark sets up and times one engine, shared by the Node worker
 * (bench/train-worker.mjs) and the browser page (bench/train-page.mjs), so both count the same things.
 * No Node imports: it is bundled into the page.
 *
 * The first forward (weights uploaded; its loss is the initial loss) and the first steps (optimizer state
 * created, kernels set up, and on tfjs-wasm the heap growing to its high-water mark, which took BERT-base's
 * first three steps 11.5, 9.9 and 9.4 s before it settled near 7 s) are warm-ups, reported apart. Then timed forwards and steps alternate in blocks
 * (see `interleavedRuns`). A slow engine stops early: at most `runs` timed calls of each, and no more once
 * twice `budgetMs` has been spent on them (at least one block of each).
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

/** Untimed steps before the timed ones, on every side (bench/torch_train.py takes the same number). */
export const WARMUP_STEPS = 3;

/** Timed calls per block when forwards and steps alternate (see `interleavedRuns`). */
export const BLOCK = 3;

/**
 * Up to `runs` timed forwards and as many timed steps, in alternating blocks of up to BLOCK calls, so that
 * slow changes in the machine's speed (other tenants of a shared machine: ±20 % over minutes here) fall on
 * both alike and step ÷ forward compares like with like. A block of forwards after steps starts with one
 * untimed forward: the steps replaced the weights, and an engine prepares new weights once (tfjs-wasm
 * packs them for XNNPACK), which a forward with fixed weights does not pay again. Stops once the budget
 * (for both together) is spent, after at least one block of each.
 */
async function interleavedRuns(forward, step, runs, budgetMs, log) {
  const forwardTimes = [];
  const stepTimes = [];
  const timed = async (fn, times, label) => {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    log(`${label} ${times.length}/${runs}: ${times.at(-1).toFixed(0)} ms`);
  };
  const start = performance.now();
  while (stepTimes.length < runs && (stepTimes.length === 0 || performance.now() - start < budgetMs)) {
    const block = Math.min(BLOCK, runs - stepTimes.length);
    await forward(); // untimed: the weights changed since the last forward
    for (let i = 0; i < block; i++) await timed(forward, forwardTimes, 'forward');
    for (let i = 0; i < block; i++) await timed(step, stepTimes, 'step');
  }
  return { forwardTimes, stepTimes };
}

/**
 * `forward()` resolves to the loss without training; `step()` takes one optimizer step and resolves to
 * its loss (before the update). Resolves to the times and every step's loss, in order.
 */
export async function measureTraining({ forward, step, runs, budgetMs, warmupSteps = WARMUP_STEPS, log = () => {} }) {
  let t0 = performance.now();
  const initialLoss = await forward();
  const firstForwardMs = performance.now() - t0;
  log(`first forward ${firstForwardMs.toFixed(0)} ms, loss ${initialLoss.toFixed(4)}`);

  const losses = [];
  const recordedStep = async () => losses.push(await step());
  const warmupStepTimes = [];
  for (let i = 0; i < warmupSteps; i++) {
    t0 = performance.now();
    await recordedStep();
    warmupStepTimes.push(performance.now() - t0);
    log(`warm-up step ${i + 1}/${warmupSteps} ${warmupStepTimes.at(-1).toFixed(0)} ms, loss ${losses.at(-1).toFixed(4)}`);
  }
  const { forwardTimes, stepTimes } = await interleavedRuns(forward, recordedStep, runs, 2 * budgetMs, log);
  return { initialLoss, firstForwardMs, forwardTimes, firstStepMs: warmupStepTimes[0], warmupStepTimes, stepTimes, losses };
}
