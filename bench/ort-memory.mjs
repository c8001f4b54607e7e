/**
 * Peak RSS of ONNX Runtime (onnxruntime-node) on the GPT-2-124M-shaped checkpoint, stage by stage, in this
 * one process: load → forward (128 tokens) → forward with labels → generate 64 tokens. maxRSS only grows,
 * so each stage's number is the peak so far. CPU contention does not change it; run each configuration
 * in its own process.
 *
 *   node bench/ort-memory.mjs [--host-weights=keep|release]
 */
import { createOrtBackend } from '@attnjs/backend-ort';
// ONNX Runtime's own switches (prepacking, the CPU arena) were measured by wrapping InferenceSession.create;
// see docs/engine-state.md.
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { CHECKPOINTS } from './checkpoints.mjs';
import { MEMORY_NEW_TOKENS, SEQUENCE_LENGTH, promptIds } from './generation-inputs.mjs';

const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const options = {};
if (flag('host-weights')) options.hostWeights = flag('host-weights');
const mb = (kb) => Math.round(kb / 1024);
const stages = {};
const mark = (stage) => {
  stages[stage] = { maxRssMB: mb(process.resourceUsage().maxRSS), rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20) };
  process.stderr.write(`  ${stage}: ${JSON.stringify(stages[stage])}\n`);
};

const checkpoint = CHECKPOINTS.gpt2;
const backend = await createOrtBackend({ ort: await import('onnxruntime-node'), ...options });
const model = await GPT2LMHeadModel.fromPretrained(checkpoint.dir, { backend });
mark('load');
const [ids] = promptIds(1, SEQUENCE_LENGTH, checkpoint.config.vocab_size);
await model.forward({ inputIds: [ids] });
mark('forward');
await model.forward({ inputIds: [ids], labels: [ids] });
mark('labels');
await model.generate([ids], { maxNewTokens: MEMORY_NEW_TOKENS });
mark('generate');
model.dispose();
await backend.dispose();
process.stdout.write(`${JSON.stringify({ options, stages })}\n`);
