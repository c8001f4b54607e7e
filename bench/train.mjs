/**
 * `pnpm bench`, training part: ms per training step, ms per forward, and training tokens/s for the nanoGPT
 * CPU recipe's shape and a BERT-base masked-LM step, on tfjs-cpu and tfjs-wasm in Node, in headless
 * Chromium (tfjs webgl / wasm / webgpu, nanoGPT shape), and PyTorch running the same recipe on the same
 * weights and ids in the same run. Not a test: it measures and reports; it exits 1 only when one of
 * attn.js's engines fails.
 *
 *   node bench/train.mjs [--rows nanogpt,bert-base] [--engines tfjs-wasm,tfjs-cpu,pytorch,chromium-webgl,chromium-wasm,chromium-webgpu]
 *                        [--runs N] [--budget seconds] [--bert-cpu] [--wait-idle seconds] [--save] [--json path]
 *
 * One process per measurement (bench/train-worker.mjs, bench/torch_train.py, bench/train-browser.mjs).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CACHE, CHECKPOINTS } from './checkpoints.mjs';
import { waitForIdle } from './machine.mjs';
import { ONE_CORE_ENV, PYTHON, runJsonProcess, torchUnavailable, versionOf } from './processes.mjs';
import { trainingReport } from './train-report.mjs';
import { ROWS, batchFile, countTargets, writeBatch } from './train-rows.mjs';
import { WARMUP_STEPS } from './train-timing.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: Object.keys(ROWS).join(',') },
    engines: { type: 'string', default: 'tfjs-wasm,tfjs-cpu,pytorch,chromium-webgl,chromium-wasm,chromium-webgpu' },
    // Timed forwards and timed steps per measurement, each stopping early once `budget` seconds are spent.
    runs: { type: 'string', default: '5' },
    budget: { type: 'string', default: '45' },
    // tfjs-cpu takes ~66 s per BERT-base forward of 1×128 here: a 2×128 step would take many minutes.
    'bert-cpu': { type: 'boolean', default: false },
    'wait-idle': { type: 'string', default: '0' },
    save: { type: 'boolean', default: false },
    json: { type: 'string', default: `${CACHE}training-results.json` },
  },
});

const BROWSER_ENGINES = { 'chromium-webgl': 'webgl', 'chromium-wasm': 'wasm', 'chromium-webgpu': 'webgpu' };
const BROWSER_ROWS = ['nanogpt']; // BERT-base on SwiftShader would take hours

/** Why an engine is not measured on a row, or undefined. */
function skipReason(engine, rowKey, torchMissing) {
  if (engine === 'pytorch') return torchMissing;
  if (BROWSER_ENGINES[engine] && !BROWSER_ROWS.includes(rowKey)) return 'browser rows run the nanoGPT shape only (software rendering)';
  if (engine === 'tfjs-cpu' && rowKey === 'bert-base' && !args['bert-cpu']) {
    return 'tfjs-cpu takes ~66 s per BERT-base forward of 1×128 here (bench/README.md), so a 2×128 step takes many minutes; --bert-cpu runs it';
  }
  return undefined;
}

function measure(engine, rowKey) {
  const row = ROWS[rowKey];
  const counts = [args.runs, args.budget];
  if (engine === 'pytorch') {
    const argv = [here('./torch_train.py'), rowKey, CHECKPOINTS[row.checkpoint].dir, batchFile(rowKey), JSON.stringify(row.recipe), ...counts, String(WARMUP_STEPS)];
    return runJsonProcess(PYTHON, argv, { cwd: here('.'), env: ONE_CORE_ENV });
  }
  if (BROWSER_ENGINES[engine]) return runJsonProcess(process.execPath, [here('./train-browser.mjs'), BROWSER_ENGINES[engine], rowKey, ...counts]);
  return runJsonProcess(process.execPath, [here('./train-worker.mjs'), engine, rowKey, ...counts]);
}


const NODE_ENGINES = ['tfjs-wasm', 'tfjs-cpu', 'pytorch']; // ONNX Runtime does not train
const rows = args.rows.split(',');
const engines = args.engines.split(',');
const unknown = [...rows.filter((r) => !ROWS[r]), ...engines.filter((e) => !NODE_ENGINES.includes(e) && !BROWSER_ENGINES[e])];
if (!(Number(args.runs) >= 1) || !(Number(args.budget) > 0)) unknown.push(`--runs ${args.runs} / --budget ${args.budget} (want ≥ 1 / > 0)`);
if (unknown.length) {
  console.error(`unknown row, engine or bad count: ${unknown.join(', ')} (rows: ${Object.keys(ROWS).join(', ')}; engines: ${[...NODE_ENGINES, ...Object.keys(BROWSER_ENGINES)].join(', ')})`);
  process.exit(1);
}
const torchMissing = engines.includes('pytorch') ? torchUnavailable() : undefined;

const made = spawnSync(process.execPath, [here('./checkpoints.mjs'), ...rows.map((r) => ROWS[r].checkpoint)], { stdio: 'inherit' });
if (made.status !== 0) throw new Error('could not generate the training benchmark checkpoints');
const batchLines = [];
for (const rowKey of rows) {
  const batch = await writeBatch(rowKey);
  batchLines.push(`- ${rowKey}: ${ROWS[rowKey].batchSize} × ${ROWS[rowKey].sequenceLength} tokens, ${countTargets(ROWS[rowKey], batch)} targets; recipe ${JSON.stringify(ROWS[rowKey].recipe)}`);
}

const startLoad = os.loadavg()[0];
const header = [
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${startLoad.toFixed(2)}`,
  `Node ${process.version}; tfjs ${versionOf('@tensorflow/tfjs-core')}; ${new Date().toISOString().slice(0, 16)} UTC`,
  `Each engine: 1 warm-up forward (it uploads weights) and ${WARMUP_STEPS} warm-up steps, then up to ${args.runs} timed forwards and ${args.runs} timed steps in alternating blocks of 3, stopping after ${2 * args.budget} s of timed runs.`,
  ...batchLines,
];
if (startLoad > 0.5 * os.availableParallelism()) {
  header.push(`WARNING: the machine is busy (load ${startLoad.toFixed(1)} on ${os.availableParallelism()} cores): times are inflated.`);
}
console.error(header.join('\n'));

const results = [];
for (const rowKey of rows) {
  for (const engine of engines) {
    const skipped = skipReason(engine, rowKey, torchMissing);
    if (skipped) {
      console.error(`\n${engine} × ${rowKey}: skipped (${skipped})`);
      results.push({ engine, row: rowKey, skipped });
      continue;
    }
    console.error(`\n${engine} × ${rowKey} …`);
    if (Number(args['wait-idle']) > 0) {
      const waited = await waitForIdle(Number(args['wait-idle']));
      console.error(waited === undefined ? '  (the machine did not go idle; measuring anyway)' : `  (waited ${waited.toFixed(0)} s for idle CPUs)`);
    }
    results.push({ ...(await measure(engine, rowKey)), engine, row: rowKey });
  }
}

header.push(`Load average at the end: ${os.loadavg()[0].toFixed(2)}.`);
const report = trainingReport(header, results);
console.log(`\n${report}`);
await writeFile(args.json, `${JSON.stringify(results, null, 2)}\n`);
console.error(`\n(results: ${args.json})`);
if (args.save) {
  const file = here(`./results/training-${new Date().toISOString().slice(0, 10)}.md`);
  await mkdir(here('./results'), { recursive: true });
  await writeFile(file, `# Training benchmark\n\n${report}\n`);
  console.error(`(saved: ${file})`);
}
if (results.some((r) => r.error && r.engine !== 'pytorch')) process.exitCode = 1;
