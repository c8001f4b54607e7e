/**
 * transformers.js as a generation peer, running the decoder attn.js exports (Optimum's layout) on
 * onnxruntime-node: the same checkpoint, prompts and greedy decoding as bench/generate-worker.mjs.
 *
 *   node bench/tjs-generate-worker.mjs <speed|memory>
 *
 * The export is written once into bench/.cache/tjs/gpt2-124m/ (config.json + onnx/model.onnx).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { CACHE, CHECKPOINTS } from './checkpoints.mjs';
import { DECODE_STEPS, MEMORY_NEW_TOKENS, SEQUENCE_LENGTH, promptIds } from './generation-inputs.mjs';

const ROOT = `${CACHE}tjs/`;
const DIR = `${ROOT}gpt2-124m/`;
const log = (msg) => process.stderr.write(`  [transformers.js generate] ${msg}\n`);

async function ensureExport() {
  if (existsSync(`${DIR}onnx/model.onnx`)) return;
  const { createOrtBackend, exportOnnx } = await import('@attnjs/backend-ort');
  const { GPT2LMHeadModel } = await import('@attnjs/gpt');
  const backend = await createOrtBackend({ ort: await import('onnxruntime-node') });
  const model = await GPT2LMHeadModel.fromPretrained(CHECKPOINTS.gpt2.dir, { backend });
  mkdirSync(`${DIR}onnx`, { recursive: true });
  copyFileSync(`${CHECKPOINTS.gpt2.dir}config.json`, `${DIR}config.json`);
  await exportOnnx(model, `${DIR}onnx/model.onnx`);
  model.dispose();
  await backend.dispose();
}

async function main() {
  const task = process.argv[2];
  if (!['speed', 'memory', 'export'].includes(task)) throw new Error('usage: tjs-generate-worker.mjs <speed|memory|export>');
  if (task === 'export') return void (await ensureExport());
  const { AutoModelForCausalLM, Tensor, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = ROOT;
  const model = await AutoModelForCausalLM.from_pretrained('gpt2-124m', { dtype: 'fp32', local_files_only: true });
  const vocab = CHECKPOINTS.gpt2.config.vocab_size;
  const tensor = (rows) => new Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  const generate = async (rows, n) => {
    const t0 = performance.now();
    await model.generate({ input_ids: tensor(rows), max_new_tokens: n, min_new_tokens: n, do_sample: false });
    return performance.now() - t0;
  };
  const result = { engine: 'transformers.js', backendName: 'transformers.js + onnxruntime-node', task };
  const p1 = promptIds(1, SEQUENCE_LENGTH, vocab);
  if (task === 'speed') {
    await generate(p1, 2);
    const prefills = [await generate(p1, 1), await generate(p1, 1), await generate(p1, 1)].sort((a, b) => a - b);
    const ms1 = (await generate(p1, DECODE_STEPS + 1)) - prefills[1];
    const p8 = promptIds(8, SEQUENCE_LENGTH, vocab);
    await generate(p8, 2); // warm-up at batch 8, as generate-worker.mjs does before timing: first runs at a new shape are slower
    const first8 = await generate(p8, 1);
    const ms8 = (await generate(p8, DECODE_STEPS + 1)) - first8;
    log(`prefill ${prefills[1].toFixed(0)} ms; batch 1 ${ms1.toFixed(0)} ms, batch 8 ${ms8.toFixed(0)} ms for ${DECODE_STEPS} steps`);
    Object.assign(result, { prefillMs: prefills[1], decode1TokensPerS: DECODE_STEPS / (ms1 / 1000), decode8TokensPerS: (8 * DECODE_STEPS) / (ms8 / 1000) });
  } else {
    const mask = tensor([p1[0].map(() => 1)]);
    await model({ input_ids: tensor(p1), attention_mask: mask });
    await model({ input_ids: tensor(p1), attention_mask: mask });
    await generate(p1, MEMORY_NEW_TOKENS);
    result.generated = MEMORY_NEW_TOKENS;
  }
  await model.dispose();
  process.stdout.write(`${JSON.stringify({ ...result, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\nERROR: ${error?.message ?? error}\n`);
  process.exit(1);
});
