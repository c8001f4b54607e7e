/**
 * `pnpm bench`: milliseconds per forward of 1×128 tokens and peak memory, GPT-2-124M and BERT-base shapes,
 * on every Node engine (and PyTorch when it is installed). Not a test: it measures and reports.
 *
 *   node bench/run.mjs [--models gpt2,bert] [--engines ort-node,ort-web,tfjs-wasm,tfjs-cpu,pytorch]
 *                      [--runs N] [--budget seconds] [--wait-idle seconds] [--json path]
 *
 * Each measurement runs in its own process (bench/worker.mjs, bench/torch_peer.py) so its peak RSS is
 * its own. Results also go to bench/.cache/results.json.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CACHE, CHECKPOINTS } from './checkpoints.mjs';
import { waitForIdle } from './machine.mjs';
import { PYTHON, runJsonProcess, torchUnavailable, versionOf } from './processes.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const BASELINE = 'ort-node';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'gpt2,bert' },
    engines: { type: 'string', default: 'ort-node,ort-web,tfjs-wasm,tfjs-cpu,pytorch' },
    runs: { type: 'string', default: '5' },
    // Seconds of timed runs per measurement, after which a slow engine stops early (tfjs-cpu: one run).
    budget: { type: 'string', default: '45' },
    json: { type: 'string', default: `${CACHE}results.json` },
    // On a shared machine: before each measurement, wait up to this many seconds for the CPUs to go idle.
    'wait-idle': { type: 'string', default: '0' },
  },
});
const runs = Number(args.runs);
const WARMUP = 2;

const TITLES = {
  gpt2: 'GPT-2-124M shape (GPT2LMHeadModel, full logits [1, 128, 50257])',
  bert: 'BERT-base shape (BertModel, last hidden state + pooler)',
};

// ---------- checkpoints ----------

function ensureCheckpoints(models) {
  // A child process, so the ~1 GB it allocates is not counted anywhere and not kept.
  const result = spawnSync(process.execPath, [here('./checkpoints.mjs'), ...models], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('could not generate the benchmark checkpoints');
}

// ---------- running one measurement ----------

/** Runs a worker; resolves to its JSON result or { error }. stderr (progress) passes through. */
function measure(engine, model) {
  const counts = [String(WARMUP), String(runs), args.budget];
  return engine === 'pytorch'
    ? runJsonProcess(PYTHON, [here('./torch_peer.py'), model, CHECKPOINTS[model].dir, ...counts])
    : runJsonProcess(process.execPath, [here('./worker.mjs'), engine, model, ...counts]);
}

// ---------- numbers ----------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function maxAbsDiff(a, b) {
  if (!a || !b || a.length !== b.length) return undefined;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const fmtLoad = (r) => (r.othersLoad == null ? 'n/a' : `${r.ownLoad.toFixed(1)} / ${r.othersLoad.toFixed(1)}`);
const fmtMs = (x) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 100 ? x.toFixed(0) : x.toFixed(1));

function table(model, results) {
  const ok = results.filter((r) => !r.error);
  const base = ok.find((r) => r.engine === BASELINE);
  const baseMs = base && median(base.times);
  const lines = [
    `### ${TITLES[model]}, 1×128 tokens`,
    '',
    '| engine | ms / forward (median) | min – max | runs | × ort-node | first call (ms) | peak RSS (MB) | tfjs held / peak (MB) | max abs Δ vs ort-node | cores used: own / others |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.engine} | failed: ${r.error.replaceAll('|', '\\|')} | | | | | | | | |`);
      continue;
    }
    const ms = median(r.times);
    const delta = r === base ? '—' : maxAbsDiff(r.lastRow, base?.lastRow)?.toExponential(1) ?? 'n/a';
    lines.push(
      `| ${r.engine === 'pytorch' ? `PyTorch (${r.backendName})` : r.engine} | ${fmtMs(ms)} | ${fmtMs(Math.min(...r.times))} – ${fmtMs(Math.max(...r.times))} | ${r.times.length} | ${baseMs ? `${(ms / baseMs).toFixed(2)}×` : 'n/a'} | ${fmtMs(r.firstMs)} | ${r.maxRssMB.toFixed(0)} | ${r.tfjs ? `${r.tfjs.heldMB.toFixed(0)} / ${r.tfjs.peakMB.toFixed(0)}` : ''} | ${delta} | ${fmtLoad(r)} |`,
    );
  }
  return lines.join('\n');
}

/** The issue's targets for GPT-2-124M, checked against what was measured. */
function targets(results) {
  const ms = (engine) => {
    const r = results.find((x) => x.engine === engine && !x.error);
    return r && median(r.times);
  };
  const node = ms('ort-node');
  const torch = ms('pytorch');
  const wasm = ms('tfjs-wasm');
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  const lines = ['Targets (GPT-2-124M, 1×128):'];
  if (node !== undefined) lines.push(`- ort-node ≤ 220 ms: ${fmtMs(node)} ms — ${verdict(node <= 220)}`);
  if (node !== undefined && torch !== undefined) lines.push(`- ort-node ahead of PyTorch: ${fmtMs(node)} vs ${fmtMs(torch)} ms — ${verdict(node < torch)}`);
  else lines.push('- ort-node ahead of PyTorch: not measured (PyTorch skipped)');
  if (node !== undefined && wasm !== undefined) lines.push(`- tfjs-wasm ≤ 3× ort-node: ${(wasm / node).toFixed(1)}× — ${verdict(wasm <= 3 * node)}`);
  return lines.join('\n');
}

// ---------- main ----------


const models = args.models.split(',').filter((m) => CHECKPOINTS[m]);
let engines = args.engines.split(',');
const skipped = [];
if (engines.includes('pytorch')) {
  const why = torchUnavailable();
  if (why) {
    skipped.push(`PyTorch peer skipped: ${why}`);
    engines = engines.filter((e) => e !== 'pytorch');
  }
}

ensureCheckpoints(models);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = [
  `Machine: ${cpu}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${os.loadavg()[0].toFixed(2)}`,
  `Node ${process.version}; onnxruntime-node ${versionOf('onnxruntime-node')}, onnxruntime-web ${versionOf('onnxruntime-web')}, tfjs ${versionOf('@tensorflow/tfjs-core')}`,
  `Input: 1×128 fixed ids. Each engine: ${WARMUP} warm-up forwards (the first is "first call"), then ${runs} timed; an engine whose forwards take long stops after ${args.budget} s of timed runs.`,
];
const busy = os.loadavg()[0] > 0.5 * os.availableParallelism();
if (busy) header.push(`WARNING: the machine is busy (load ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores): times are inflated.`);
console.error(header.join('\n'));
for (const line of skipped) console.error(line);

const all = [];
for (const model of models) {
  for (const engine of engines) {
    console.error(`\n${engine} × ${model} …`);
    if (Number(args['wait-idle']) > 0) {
      const waited = await waitForIdle(Number(args['wait-idle']));
      console.error(waited === undefined ? '  (the machine did not go idle; measuring anyway)' : `  (waited ${waited.toFixed(0)} s for idle CPUs)`);
    }
    all.push({ ...(await measure(engine, model)), engine, model });
  }
}

const report = [
  '',
  ...header,
  `Load average at the end: ${os.loadavg()[0].toFixed(2)} (other work on the machine slows every engine).`,
  ...skipped,
  '',
  ...models.flatMap((m) => [table(m, all.filter((r) => r.model === m)), '']),
  'ms: wall time of `await model.forward({ inputIds })` (host arrays in, host arrays out). first call: includes uploading',
  'the weights (tfjs) or tracing and compiling the ONNX graph (ort). peak RSS: process.resourceUsage().maxRSS of that',
  'engine\'s own process (Python: ru_maxrss), checkpoint reading included. max abs Δ: last position\'s output row vs ort-node.',
  '',
  models.includes('gpt2') ? targets(all.filter((r) => r.model === 'gpt2')) : '',
].join('\n');
console.log(report);

await writeFile(args.json, `${JSON.stringify(all.map(({ lastRow, ...r }) => r), null, 2)}\n`);
console.error(`\n(results: ${args.json})`);
if (all.some((r) => r.error && r.engine !== 'pytorch')) process.exitCode = 1;
