// Child process for training-crash.test.ts: trains gpt2-tiny one SGD step, then saves checkpoints into
// argv[2] back to back (a new step number each time, so nearly every kill lands mid-save), printing
// "saved <step>" after each, until it is killed.
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { SGD, Trainer, saveCheckpointAtStep } from '@attnjs/train';

const [out, modelDir] = process.argv.slice(2);
const backend = await createTfjsBackend({ device: 'cpu' });
const model = await GPT2LMHeadModel.fromPretrained(modelDir, { backend });
const trainer = new Trainer({ model, optimizer: new SGD({ groups: [{ params: model.parameters(), weightDecay: 0 }], momentum: 0.9 }), learningRate: 0.1 });
const ids = [[1, 2, 3, 4, 5, 6, 7, 8]];
await trainer.trainStep([{ inputIds: ids, labels: ids }]);
for (;;) {
  await saveCheckpointAtStep(trainer, out);
  process.stdout.write(`saved ${trainer.step}\n`);
  trainer.restoreProgress(trainer.step + 1, trainer.random);
}
