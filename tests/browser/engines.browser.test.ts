/**
 * The browser engines in headless Chromium. The built packages (each dist/), bundled with
 * esbuild, run gpt2-tiny-sharp and bert-tiny-sharp in one page on every engine; the raw outputs come back
 * here and are checked against the float64 PyTorch references. One browser for all engines; the page,
 * the fixtures and the .wasm files are served from 127.0.0.1 (harness.ts).
 *
 * Needs Chromium (`pnpm test` installs it: ensure-chromium.mjs) and `pnpm build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOLERANCE, expectClose, readReference } from '../reference.js';
import { type Browser, bundleEntry, launchChromium, serve, type StaticServer } from './harness.js';
import { type EngineName, GELU_PROBE_X, type PageInputs, type PageOutputs } from './page/protocol.js';

interface BrowserEngine {
  readonly name: EngineName;
  /** What `backend.name` must say: the engine asked for is the engine that ran. */
  readonly backend: string;
  readonly tol: number;
  /**
   * A bug outside attn.js that makes this engine miss the reference. The checks it breaks assert the
   * bug's signature instead and the strict checks are expected to fail (`it.fails`), so the suite turns
   * red as soon as the bug is fixed or worked around: then delete this field.
   */
}

/**
 * Tolerance: |Δ| ≤ 2e-5·(1 + |want|), the float32-vs-float64 bound of testdata/README.md for the sharp
 * models, on every engine. The software GPUs need nothing looser: measured on SwiftShader WebGL2 and on
 * Chromium's software WebGPU adapter, the largest errors (≤ 2.0e-6 on logits, ≤ 1.4e-6 on BERT's
 * sequence output) are those of the CPU engines; both keep float32 throughout (tfjs-webgl uses float32
 * textures when the context can render to them, as SwiftShader's can).
 */
const BROWSER_ENGINES: readonly BrowserEngine[] = [
  { name: 'tfjs-cpu', backend: 'tfjs-cpu', tol: TOLERANCE.sharp },
  { name: 'tfjs-wasm', backend: 'tfjs-wasm', tol: TOLERANCE.sharp },
  { name: 'tfjs-webgl', backend: 'tfjs-webgl', tol: TOLERANCE.sharp },
  { name: 'tfjs-webgpu', backend: 'tfjs-webgpu', tol: TOLERANCE.sharp },
  { name: 'ort-web-wasm', backend: 'ort-web-wasm', tol: TOLERANCE.sharp },
  {
    name: 'ort-web-webgpu',
    backend: 'ort-web-webgpu',
    tol: TOLERANCE.sharp,
    // onnxruntime-web 1.30's default WebGPU EP (JSEP) ignores Gelu's `approximate` attribute and computes
    // the erf form; @attnjs/backend-ort therefore decomposes tanh GELU for WebGPU. This engine guards that.
  },
  // The same backend given `ort: await import('onnxruntime-web/webgpu')`, whose native WebGPU EP computes
  // tanh GELU correctly: the way to run GPT-2 on ONNX Runtime + WebGPU today.
  { name: 'ort-web-webgpu-native', backend: 'ort-web-webgpu', tol: TOLERANCE.sharp },
];

const gptRef = readReference('gpt2-tiny-sharp');
const bertRef = readReference('bert-tiny-sharp');
const [gptCase] = gptRef.cases;
const [bertCase] = bertRef.cases;
const [generation] = gptRef.generation;

const inputs: PageInputs = {
  gpt: {
    inputIds: gptCase.input_ids,
    attentionMask: gptCase.attention_mask,
    labels: gptCase.labels,
    lengths: gptCase.lengths,
    prompt: generation.prompt,
    maxNewTokens: generation.max_new_tokens,
  },
  bert: {
    inputIds: bertCase.input_ids,
    attentionMask: bertCase.attention_mask,
    tokenTypeIds: bertCase.token_type_ids,
    labels: bertCase.mlm_labels,
    nextSentenceLabel: bertCase.next_sentence_label,
    lengths: bertCase.lengths,
  },
};

/** erf by its Maclaurin series, ~1e-13 for |x| ≤ 3 (the probe's x/√2 stays below 2.9). */
function erf(x: number): number {
  let [term, sum] = [x, x];
  for (let n = 1; n < 80; n++) sum += (term *= (-x * x) / n) / (2 * n + 1);
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const GELU_ERF = GELU_PROBE_X.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
const GELU_TANH = GELU_PROBE_X.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));

/** Largest |got − want| over nested arrays: the figure reported (the assertions use expectClose). */
function maxAbs(got: unknown, want: unknown): number {
  if (typeof want === 'number') return Math.abs((got as number) - want);
  return (want as unknown[]).reduce<number>((m, w, i) => Math.max(m, maxAbs((got as unknown[])[i], w)), 0);
}

/** Max |Δ| per engine and output, printed as a table at the end. */
const report: Record<string, Record<string, string>> = {};

describe('browser engines in headless Chromium', () => {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  const pageLog: string[] = [];
  let run: (engine: EngineName) => Promise<PageOutputs>;

  beforeAll(async () => {
    server = await serve(await bundleEntry());
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`));
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => (globalThis as { attnReady?: boolean }).attnReady === true, null, { timeout: 30_000 });
    run = (engine) =>
      page.evaluate(
        ([e, i]) => (globalThis as unknown as { attnRun: (e: EngineName, i: PageInputs) => Promise<PageOutputs> }).attnRun(e, i),
        [engine, inputs] as const,
      );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (Object.keys(report).length > 0) console.table(report);
  });

  describe.each(BROWSER_ENGINES)('$name', ({ name, backend, tol }) => {
    let out: PageOutputs;
    beforeAll(async () => {
      const started = performance.now();
      try {
        out = await run(name);
      } catch (error) {
        const log = pageLog.length > 0 ? `\npage console (last 20 lines):\n${pageLog.slice(-20).join('\n')}` : '';
        throw new Error(`${(error as Error).message}${log}`);
      }
      report[name] = {
        'gelu tanh': maxAbs(out.gelu.tanh, GELU_TANH).toExponential(1),
        'gelu erf': maxAbs(out.gelu.erf, GELU_ERF).toExponential(1),
        'gpt logits': maxAbs(out.gpt.logits, gptCase.float64.logits).toExponential(1),
        'gpt loss': maxAbs(out.gpt.loss, gptCase.float64.loss).toExponential(1),
        'bert seq out': maxAbs(out.bert.sequenceOutput, bertCase.float64.sequence_output).toExponential(1),
        'bert nsp': maxAbs(out.bert.nspLogits, bertCase.float64.nsp_logits).toExponential(1),
        'bert loss': maxAbs(out.bert.loss, bertCase.float64.total_loss).toExponential(1),
        greedy: out.gpt.generated.join() === generation.new_tokens.join() ? 'match' : 'DIFFERS',
        s: ((performance.now() - started) / 1000).toFixed(1),
      };
    }, 150_000);

    it('is the engine asked for', () => {
      expect(out.backend).toBe(backend);
    });

    it("gelu kernel, erf form (BERT's)", () => {
      expectClose(out.gelu.erf, GELU_ERF, tol, `${name} gelu(x, 'none')`);
    });

    it("gelu kernel, tanh form (GPT-2's gelu_new)", () => {
      expectClose(out.gelu.tanh, GELU_TANH, tol, `${name} gelu(x, 'tanh')`);
    });

    it('gpt2-tiny-sharp case 0: logits and loss', () => {
      gptCase.lengths.forEach((_: number, b: number) =>
        expectClose(out.gpt.logits[b]!, gptCase.float64.logits[b], tol, `${name} gpt2 logits[${b}]`),
      );
      expectClose([out.gpt.loss], [gptCase.float64.loss], tol, `${name} gpt2 loss`);
    });

    it('gpt2-tiny-sharp greedy generation matches token for token', () => {
      expect(out.gpt.generated).toEqual(generation.new_tokens);
    });

    it('bert-tiny-sharp case 0: sequence output, NSP logits, total loss', () => {
      bertCase.lengths.forEach((_: number, b: number) =>
        expectClose(out.bert.sequenceOutput[b]!, bertCase.float64.sequence_output[b], tol, `${name} bert sequence_output[${b}]`),
      );
      expectClose(out.bert.nspLogits, bertCase.float64.nsp_logits, tol, `${name} bert nsp_logits`);
      expectClose([out.bert.loss], [bertCase.float64.total_loss], tol, `${name} bert total_loss`);
    });
  });
});
