/**
 * `pnpm demo`: the default models, trained by attn.js itself (see models/), on one engine.
 *
 *   node examples/demo.mjs [--engine tfjs-wasm|tfjs-cpu|ort-web|ort-node] [--parity] [--models <folder>]
 *
 * Through `pipeline()`: generates Shakespeare with models/shakespeare-gpt, fills masks with models/sst2-bert/pretrained (the
 * masked-LM model the classifier was fine-tuned from) and classifies sentiment with models/sst2-bert.
 * `--parity` instead runs examples/engines.mjs: the fixture models on every Node engine against PyTorch.
 * Decoding is greedy, so every engine prints the same text; tests/demo.test.ts checks it against NumPy.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pipeline } from '@attnjs/pipelines';
import { createEngine, ENGINE_NAMES } from '../models/shared.mjs';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'tfjs-wasm' },
    parity: { type: 'boolean', default: false },
    models: { type: 'string', default: fileURLToPath(new URL('../models', import.meta.url)) },
  },
});
if (args.parity) {
  const run = spawnSync(process.execPath, [fileURLToPath(new URL('./engines.mjs', import.meta.url))], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
if (!ENGINE_NAMES.includes(args.engine)) {
  console.error(`--engine must be one of ${ENGINE_NAMES.join(', ')}; got "${args.engine}"`);
  process.exit(2);
}

const PROMPT = 'ROMEO:\n';
const GENERATION = { maxNewTokens: 48, noRepeatNgramSize: 3 };
const MASKED = ['the acting is [MASK] .', 'it is a [MASK] movie about love .'];
const REVIEWS = [
  'a gorgeous , witty and deeply moving film .',
  'a dull , lifeless mess with nothing to say .',
  'the cast is good , but the script is boring .',
];

const model = (name) => `${args.models}/${name}`;
const backend = await createEngine(args.engine);
console.log(`attn.js on ${args.engine}, with the default models that attn.js trained (models/)\n`);

// GPT: Shakespeare, greedy (no repeated 3-grams).
const generate = await pipeline('text-generation', model('shakespeare-gpt'), { backend });
const [{ generated_text: text }] = await generate(PROMPT, { ...GENERATION, doSample: false });
console.log(`shakespeare-gpt, prompt ${JSON.stringify(PROMPT)}:`);
console.log(indent(text));
generate.dispose();

// BERT masked-LM: the three likeliest fillers of [MASK].
const fill = await pipeline('fill-mask', model('sst2-bert/pretrained'), { backend, topK: 3 });
console.log('\nsst2-bert/pretrained, fill-mask:');
for (const masked of MASKED) {
  const top = await fill(masked);
  console.log(`  ${masked.padEnd(36)} → ${top.map((c) => `${c.token_str} ${c.score.toFixed(3)}`).join(', ')}`);
}
fill.dispose();

// BERT sequence classification: sentiment.
const classify = await pipeline('sentiment-analysis', model('sst2-bert'), { backend });
console.log('\nsst2-bert, sentiment:');
for (const review of REVIEWS) {
  const [{ label, score }] = await classify(review);
  console.log(`  ${review.padEnd(46)} → ${label} ${score.toFixed(3)}`);
}
classify.dispose();
await backend.dispose();

function indent(text) {
  return text.trimEnd().split('\n').map((line) => (line ? `  | ${line}` : '  |')).join('\n');
}
