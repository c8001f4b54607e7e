/**
 * `pnpm bench`, BERT-tasks part: BertForSequenceClassification on the BERT-base-shaped checkpoint with the
 * real bert-base-uncased tokenizer, attn.js side by side with PyTorch (bench/torch_bert_tasks.py) and with
 * transformers.js running attn.js's exported model on onnxruntime-node, in one run. Not a test: it measures
 * and reports.
 *
 *   node bench/bert-tasks.mjs [--engines ort-node,pytorch,transformers.js] [--runs 3] [--save] [--json path]
 *
 * (ort-web and tfjs-wasm can be added to --engines: several minutes each on a 2-core machine.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BATCH_SIZES, PIPELINE_BATCH, PIPELINE_WARMUP, SEQUENCE_LENGTH, SST2_DEV, summarize } from './bert-tasks-inputs.mjs';
import { CACHE, CHECKPOINTS } from './checkpoints.mjs';
import { PYTHON, runJsonProcess, torchUnavailable, versionOf } from './processes.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values: args } = parseArgs({
  options: {
    engines: { type: 'string', default: 'ort-node,pytorch,transformers.js' },
    runs: { type: 'string', default: '3' },
    save: { type: 'boolean', default: false },
    json: { type: 'string', default: `${CACHE}bert-tasks-results.json` },
  },
});
const DIR = CHECKPOINTS['bert-base-seqcls'].dir;

function command(engine, task) {
  if (engine === 'pytorch') {
    const rest = task === 'forward' ? [args.runs] : [SST2_DEV, String(PIPELINE_BATCH), String(PIPELINE_WARMUP)];
    return [PYTHON, [here('./torch_bert_tasks.py'), DIR, task, ...rest]];
  }
  if (engine === 'transformers.js') return [process.execPath, [here('./tjs-bert-tasks-worker.mjs'), task, args.runs]];
  return [process.execPath, [here('./bert-tasks-worker.mjs'), engine, task, args.runs]];
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function measure(engine, task) {
  const before = loadavg();
  const [cmd, argv] = command(engine, task);
  const result = await runJsonProcess(cmd, argv, { cwd: here('.') });
  return { ...result, load: `${before} → ${loadavg()}` };
}

const engines = args.engines.split(',');
spawnSync(process.execPath, [here('./checkpoints.mjs'), 'bert-base-seqcls'], { stdio: 'inherit' });
if (engines.includes('transformers.js')) spawnSync(process.execPath, [here('./tjs-bert-tasks-worker.mjs'), 'export'], { stdio: 'inherit' });
const noTorch = engines.includes('pytorch') ? torchUnavailable() : undefined;
if (noTorch) console.error(`PyTorch skipped: ${noTorch}`);

/**
 * All forwards first, then all pipelines, each task with the peer its target compares ort-node against right
 * after ort-node (forward: PyTorch, pipeline: transformers.js): on a shared machine the load drifts over
 * minutes, and the two numbers a target compares should be taken as close together as possible.
 */
const TARGET_PEER = { forward: 'pytorch', pipeline: 'transformers.js' };
const measured = engines.filter((e) => !(e === 'pytorch' && noTorch));
const inOrder = (task) => {
  const peer = measured.includes('ort-node') && measured.includes(TARGET_PEER[task]) ? TARGET_PEER[task] : undefined;
  return peer ? measured.flatMap((e) => (e === 'ort-node' ? [e, peer] : e === peer ? [] : [e])) : measured;
};
const results = Object.fromEntries(measured.map((e) => [e, {}]));
const startLoad = loadavg();
for (const task of ['forward', 'pipeline']) {
  for (const engine of inOrder(task)) {
    console.error(`\n${engine}: ${task === 'forward' ? 'forwards' : 'the text-classification pipeline'} …`);
    results[engine][task] = await measure(engine, task);
  }
}

// --- the table ----------------------------------------------------------------------------------------------
const f = (x, digits = 0) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
const get = (engine, task, key) => (results[engine]?.[task]?.error ? undefined : results[engine]?.[task]?.[key]);
const ms = (engine, batch) => {
  const times = get(engine, 'forward', `batch${batch}Ms`);
  return times && summarize(batch, times);
};
const ratio = (x, y, digits = 2) => (x && y ? `${(x / y).toFixed(digits)}×` : 'n/a');
const maxDelta = (a, b) => (a && b ? Math.max(...a.map((x, i) => Math.abs(x - b[i]))) : undefined);
const exp = (x) => (x === undefined ? 'n/a' : x.toExponential(1));

const forwardRows = Object.keys(results).map((engine) => {
  const r = results[engine].forward;
  if (r.error) return `| ${engine} | failed: ${r.error.replaceAll('|', '\\|')} | | | | | | |`;
  const cells = BATCH_SIZES.map((b) => {
    const times = r[`batch${b}Ms`];
    return `${f(summarize(b, times))} (${f(Math.min(...times))}–${f(Math.max(...times))}) | ${ratio(ms('pytorch', b), summarize(b, times))}`;
  });
  const rss = `${f(r.maxRssMB)} (${ratio(r.maxRssMB, get('pytorch', 'forward', 'maxRssMB'))})`;
  return `| ${engine} | ${cells.join(' | ')} | ${rss} | ${exp(maxDelta(r.lastRow, get('ort-node', 'forward', 'lastRow')))} | ${r.load} |`;
});

const pipelineRows = Object.keys(results).map((engine) => {
  const r = results[engine].pipeline;
  if (r.error) return `| ${engine} | failed: ${r.error.replaceAll('|', '\\|')} | | | | | |`;
  const tjs = get('transformers.js', 'pipeline', 'sentencesPerS');
  const torch = get('pytorch', 'pipeline', 'sentencesPerS');
  const delta = maxDelta(r.positive, get('ort-node', 'pipeline', 'positive'));
  return `| ${engine} | ${f(r.sentencesPerS, 1)} (${f(r.seconds, 1)} s) | ${ratio(r.sentencesPerS, tjs)} | ${ratio(r.sentencesPerS, torch)} | ${f(r.maxRssMB)} | ${exp(delta)} | ${r.load} |`;
});

const verdict = (ok) => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
const both = (a, b, test) => (a === undefined || b === undefined ? undefined : test(a, b));
const targets = [
  ...BATCH_SIZES.map((b) => `- ort-node ahead of PyTorch at batch ${b}: ${verdict(both(ms('ort-node', b), ms('pytorch', b), (a, t) => a < t))}`),
  `- ort-node ahead of transformers.js in sentences/s: ${verdict(both(get('ort-node', 'pipeline', 'sentencesPerS'), get('transformers.js', 'pipeline', 'sentencesPerS'), (a, t) => a > t))}`,
  `- ort-node peak RSS (load → forward) ≤ 1.3× PyTorch's: ${verdict(both(get('ort-node', 'forward', 'maxRssMB'), get('pytorch', 'forward', 'maxRssMB'), (a, t) => a <= 1.3 * t))}`,
];

const versions = `onnxruntime-node ${versionOf('onnxruntime-node')}, @huggingface/transformers ${versionOf('@huggingface/transformers')}, ${results.pytorch?.forward?.backendName ?? 'PyTorch not run'}, Node ${process.versions.node}`;
const report = [
  '',
  `### BERT tasks, BERT-base shape (BertForSequenceClassification, bert-base-uncased tokenizer), ${os.cpus()[0]?.model ?? 'CPU'}, ${os.availableParallelism()} cores`,
  '',
  `Load average (1/5/15 min) at the start ${startLoad}, at the end ${loadavg()}. ${versions}.`,
  '',
  `| engine | batch 1×${SEQUENCE_LENGTH}: ms (min–max) | PyTorch ÷ this | batch 32×${SEQUENCE_LENGTH}: ms (min–max) | PyTorch ÷ this | peak RSS MB, load → forward (× PyTorch) | max abs Δ logits vs ort-node | load avg before → after |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...forwardRows,
  '',
  `| engine | text-classification, SST-2 dev: sentences/s (time) | × transformers.js | × PyTorch | peak RSS MB | max abs Δ P(positive) vs ort-node | load avg before → after |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ...pipelineRows,
  '',
  `Forward: batch 1 is the median of ${args.runs} timed runs after a warm-up; batch 32 the faster of 2 runs (no warm-up: one takes`,
  'seconds). All-ones attention mask. "PyTorch ÷ this" above 1 means faster than PyTorch.',
  `Pipeline: SST-2's ${get('ort-node', 'pipeline', 'sentences') ?? 872} dev sentences, ${PIPELINE_BATCH} per batch, each batch padded to its longest, tokenization and softmax`,
  `included, after an untimed warm-up on the first ${PIPELINE_WARMUP}. attn.js's pipeline forms its batches in order of token count (results`,
  'in input order); transformers.js and PyTorch take the sentences in file order, as their pipelines do. transformers.js\'s',
  `pipeline runs all the texts of one call as one padded batch, so it is called with ${PIPELINE_BATCH} sentences at a time.`,
  'PyTorch: plain torch, 1 thread (bench/torch_bert_tasks.py); its tokenization is a plain-Python BERT WordPiece (neither',
  '`transformers` nor `tokenizers` is installed for Debian\'s python), which gives attn.js\'s ids on all 872 sentences (the Δ',
  'column checks the scores). transformers.js: 4.3 on onnxruntime-node, running the graph attn.js exports for the same',
  'checkpoint. Peak RSS: each engine in its own process.',
  '',
  'Targets:',
  ...targets,
].join('\n');
console.log(report);
await writeFile(args.json, `${JSON.stringify(results, null, 2)}\n`);
if (args.save) {
  const file = here(`./results/bert-tasks-${new Date().toISOString().slice(0, 10)}.md`);
  await writeFile(file, `# BERT tasks benchmark (\`node bench/bert-tasks.mjs\`)\n${report}\n`);
  console.error(`written: ${file}`);
}
