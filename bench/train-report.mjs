/** The training benchmark's markdown: one table per row, then the issue's targets as met / NOT met. */
import { ROWS, tokensPerStep } from './train-rows.mjs';
import { WARMUP_STEPS } from './train-timing.mjs';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const fmtMs = (x) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fmtRate = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
/** Own / others' cores; a browser's processes cannot be told apart, so only the machine's total is known. */
function fmtLoad(r) {
  if (r.machineLoad != null) return `${r.machineLoad.toFixed(1)} in all`;
  return r.othersLoad == null ? 'n/a' : `${r.ownLoad.toFixed(1)} / ${r.othersLoad.toFixed(1)}`;
}
const escape = (text) => text.replaceAll('|', '\\|');

/** Training tokens per second at the median step. */
export const tokensPerSecond = (result) => tokensPerStep(ROWS[result.row]) / (median(result.stepTimes) / 1000);
export const stepOverForward = (result) => median(result.stepTimes) / median(result.forwardTimes);

/** Largest |loss − PyTorch's loss| over the steps both took, and how many that is. */
function lossDelta(result, torch) {
  if (!torch || result === torch) return '—';
  const n = Math.min(result.losses.length, torch.losses.length);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(result.losses[i] - torch.losses[i]));
  return `${worst.toExponential(1)} (${n} steps)`;
}

/** PyTorch with its version and threads; browser GPU devices with what draws (SwiftShader on a machine without a GPU). */
function engineLabel(r) {
  if (r.engine === 'pytorch') return `PyTorch (${r.backendName})`;
  return r.renderer ? `${r.engine} (${r.renderer})` : r.engine;
}

function rowTable(rowKey, results, notes) {
  const torch = results.find((r) => r.engine === 'pytorch' && !r.error && !r.skipped);
  const torchRate = torch && tokensPerSecond(torch);
  const row = ROWS[rowKey];
  const lines = [
    `### ${row.label}, batch ${row.batchSize} × ${row.sequenceLength} tokens`,
    '',
    '| engine | ms / step (median) | min – max | steps timed | ms / forward (loss only) | step ÷ forward | training tokens/s | × PyTorch tokens/s | first step (ms) | loss Δ vs PyTorch | peak RSS (MB) | cores used: own / others |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    if (r.skipped) {
      notes.push(`- ${r.engine} (${rowKey}): skipped: ${r.skipped}`);
      continue;
    }
    if (r.error) {
      lines.push(`| ${r.engine} | failed: ${escape(r.error)} | | | | | | | | | | |`);
      continue;
    }
    const step = median(r.stepTimes);
    const rate = tokensPerSecond(r);
    lines.push(
      `| ${engineLabel(r)} | ${fmtMs(step)} | ${fmtMs(Math.min(...r.stepTimes))} – ${fmtMs(Math.max(...r.stepTimes))} | ${r.stepTimes.length} | ${fmtMs(median(r.forwardTimes))} | ${stepOverForward(r).toFixed(2)}× | ${fmtRate(rate)} | ${torchRate ? `${(rate / torchRate).toFixed(3)}×` : 'n/a'} | ${fmtMs(r.firstStepMs)} | ${lossDelta(r, torch)} | ${r.maxRssMB ? r.maxRssMB.toFixed(0) : 'n/a'} | ${fmtLoad(r)} |`,
    );
  }
  return lines.join('\n');
}

/** The issue's targets: a step ≤ 3× its forward on every engine; tfjs-wasm within 5× of PyTorch's tokens/s. */
function targets(results) {
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  const lines = ['Targets:'];
  const ok = (x) => !x.error && !x.skipped;
  for (const r of results.filter((x) => ok(x) && x.engine !== 'pytorch')) {
    const ratio = stepOverForward(r);
    // PyTorch's own ratio on the same row and machine, for scale: a step multiplies 3× a forward's FLOPs.
    const torch = results.find((x) => ok(x) && x.row === r.row && x.engine === 'pytorch');
    const peer = torch ? ` (PyTorch's own: ${stepOverForward(torch).toFixed(2)}×)` : '';
    lines.push(`- ${r.row}, ${r.engine}: step ≤ 3× forward: ${ratio.toFixed(2)}× — ${verdict(ratio <= 3)}${peer}`);
  }
  for (const rowKey of Object.keys(ROWS)) {
    const find = (engine) => results.find((x) => x.row === rowKey && x.engine === engine && !x.error && !x.skipped);
    const [wasm, torch] = [find('tfjs-wasm'), find('pytorch')];
    if (!wasm) continue;
    if (!torch) {
      lines.push(`- ${rowKey}, tfjs-wasm within 5× of PyTorch's tokens/s: not measured (no PyTorch)`);
      continue;
    }
    const slower = tokensPerSecond(torch) / tokensPerSecond(wasm);
    lines.push(`- ${rowKey}, tfjs-wasm within 5× of PyTorch's tokens/s: PyTorch ${slower.toFixed(1)}× faster — ${verdict(slower <= 5)}`);
  }
  return lines.join('\n');
}

/** The whole report: header lines, a table per row, skipped engines, how to read it, the targets. */
export function trainingReport(header, results) {
  const notes = [];
  const tables = Object.keys(ROWS)
    .filter((rowKey) => results.some((r) => r.row === rowKey))
    .flatMap((rowKey) => [rowTable(rowKey, results.filter((r) => r.row === rowKey), notes), '']);
  return [
    ...header,
    '',
    ...tables,
    ...(notes.length ? [...notes, ''] : []),
    'ms / step: a whole `Trainer.trainStep` (forward, backward, global-norm clipping to 1.0, AdamW with weight decay on',
    'rank ≥ 2 tensors only; gradients and moments stay in the engine, only the loss and norm reach the host), median of',
    `the timed steps after ${WARMUP_STEPS} warm-up steps (the first reported as first step). PyTorch: zero_grad, forward, loss.backward(), clip_grad_norm_,`,
    'AdamW.step(). ms / forward: the loss alone, no gradients (PyTorch under no_grad). training tokens/s: batch × sequence',
    'length ÷ median step. Timed forwards and steps alternate in blocks of 3 (each forward block after one untimed forward,',
    'since the steps replaced the weights), on both sides, so that the machine\'s slow speed changes fall on both alike.',
    'loss Δ: the same weights, ids and recipe on both sides, so each step\'s loss should agree with',
    'PyTorch\'s to ~1e-5. Browser rows run in headless Chromium on software rendering (SwiftShader, no GPU): they show',
    'that training runs there, not what a GPU would do. cores used: this process / everything else on the machine.',
    '',
    targets(results),
  ].join('\n');
}
