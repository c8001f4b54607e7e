/**
 * exportOnnx: a small causal LM built from core layers is written to an .onnx file, loaded by a raw
 * onnxruntime-node InferenceSession, and its logits compared with the same program run through this
 * backend and with a plain-JS float64 forward pass, at |Δ| ≤ 2e-5·(1 + |want|) (float32 vs float64).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Embedding, type ExportSpec, hostTensor, LayerNorm, LoadError, Module, ModuleList, type Ops, type Program, type Tensor, TransformerBlock, UnsupportedError } from '@attnjs/core';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx, TEXT_INPUT_SIGNATURE } from '../src/index.js';
import { expectClose, ORT_ENGINES, ortNode, seeded } from './helpers.js';

const C = { vocab: 23, positions: 16, hidden: 12, heads: 3, layers: 2, eps: 1e-5 };

/** nanoGPT-shaped: token + position embeddings, pre-norm blocks with nn.Linear ([out, in]) weights, tied head. */
class TinyLM extends Module {
  readonly wte = this.child('wte', new Embedding(C.vocab, C.hidden));
  readonly wpe = this.child('wpe', new Embedding(C.positions, C.hidden));
  readonly h = this.child('h', new ModuleList(Array.from({ length: C.layers }, () => new TransformerBlock({
    hiddenSize: C.hidden, numHeads: C.heads, intermediateSize: 4 * C.hidden, activation: 'tanh', layerNormEps: C.eps,
    norm: 'pre', causal: true, layout: 'outIn',
    names: { attention: { qkv: 'attn.c_attn', output: 'attn.c_proj' }, attentionNorm: 'ln_1', feedForward: { up: 'mlp.c_fc', down: 'mlp.c_proj' }, feedForwardNorm: 'ln_2' },
  }))));
  readonly lnF = this.child('ln_f', new LayerNorm(C.hidden, C.eps));

  /** The graph `exportOnnx(model, path)` writes, as models declare it. */
  exportSpec(): ExportSpec {
    const dims = ['batch_size', 'sequence_length'];
    return {
      program: { owner: this, key: 'export:logits', build: (ops, x) => ({ logits: this.logits(ops, x.input_ids!, x.attention_mask!) }) },
      inputs: { input_ids: { dtype: 'int32', shape: dims }, attention_mask: { dtype: 'int32', shape: dims } },
      outputs: { logits: [...dims, C.vocab] },
    };
  }

  /** input_ids, attention_mask [B, T] int32 → logits [B, T, V]. */
  logits(ops: Ops, ids: Tensor, attentionMask: Tensor): Tensor {
    let x = ops.add(this.wte.forward(ops, ids), this.wpe.forward(ops, ops.range(ids, 1))); // (B, T, d)
    const mask = ops.paddingMask(ops.cast(attentionMask, 'float32')); // (B, 1, 1, T)
    for (const block of this.h.items) x = block.forward(ops, x, { mask }).hidden;
    return ops.linear(this.lnF.forward(ops, x), ops.param(this.wte.weight), undefined, 'outIn'); // (B, T, V)
  }
}

function tinyModel(): TinyLM {
  const model = new TinyLM();
  const random = seeded(11);
  for (const [name, p] of model.namedParameters()) {
    const scale = name.includes('ln') ? 0.2 : 0.5;
    const base = name.includes('ln') && name.endsWith('weight') ? 1 : 0;
    p.value.data.forEach((_, i, data) => (data[i] = base + (random() * 2 - 1) * scale));
  }
  return model;
}

// ── plain-JS float64 reference ──────────────────────────────────────────────
type Vec = number[];
function referenceLogits(model: TinyLM, ids: number[][], attentionMask: number[][]): number[] {
  const P = (name: string) => Array.from(model.namedParameters().get(name)!.value.data);
  const d = C.hidden;
  const hd = d / C.heads;
  /** y = W·x + b for an [out, in] weight. */
  const linear = (x: Vec, w: Vec, b: Vec | undefined, out: number) =>
    Array.from({ length: out }, (_, o) => x.reduce((s, v, i) => s + v * w[o * x.length + i]!, b ? b[o]! : 0));
  const layerNorm = (x: Vec, w: Vec, b: Vec) => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + C.eps)) * w[i]! + b[i]!);
  };
  const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const wte = P('wte.weight');
  const wpe = P('wpe.weight');
  const out: number[] = [];
  ids.forEach((row, b) => {
    let xs = row.map((id, t) => Array.from({ length: d }, (_, i) => wte[id * d + i]! + wpe[t * d + i]!));
    for (let l = 0; l < C.layers; l++) {
      const p = (n: string) => P(`h.${l}.${n}`);
      const qkv = xs.map((x) => linear(layerNorm(x, p('ln_1.weight'), p('ln_1.bias')), p('attn.c_attn.weight'), p('attn.c_attn.bias'), 3 * d));
      const attended = qkv.map((_, t) => {
        const context: number[] = [];
        for (let h = 0; h < C.heads; h++) {
          const q = qkv[t]!.slice(h * hd, (h + 1) * hd);
          const scores = qkv.map((kv, s) => {
            const k = kv.slice(d + h * hd, d + (h + 1) * hd);
            const masked = s > t || attentionMask[b]![s] === 0;
            return masked ? -1e9 : q.reduce((acc, v, i) => acc + v * k[i]!, 0) / Math.sqrt(hd);
          });
          const m = Math.max(...scores);
          const e = scores.map((v) => Math.exp(v - m));
          const total = e.reduce((s, v) => s + v, 0);
          for (let i = 0; i < hd; i++) context.push(e.reduce((acc, w, s) => acc + (w / total) * qkv[s]![2 * d + h * hd + i]!, 0));
        }
        return context;
      });
      xs = xs.map((x, t) => linear(attended[t]!, p('attn.c_proj.weight'), p('attn.c_proj.bias'), d).map((v, i) => v + x[i]!));
      xs = xs.map((x) => {
        const up = linear(layerNorm(x, p('ln_2.weight'), p('ln_2.bias')), p('mlp.c_fc.weight'), p('mlp.c_fc.bias'), 4 * d).map(gelu);
        return linear(up, p('mlp.c_proj.weight'), p('mlp.c_proj.bias'), d).map((v, i) => v + x[i]!);
      });
    }
    for (const x of xs) out.push(...linear(layerNorm(x, P('ln_f.weight'), P('ln_f.bias')), wte, undefined, C.vocab));
  });
  return out;
}

// ── the test ────────────────────────────────────────────────────────────────
const model = tinyModel();
const program: Program<'input_ids' | 'attention_mask', 'logits'> = {
  owner: model,
  key: 'causal-lm',
  build: (ops, x) => ({ logits: model.logits(ops, x.input_ids, x.attention_mask) }),
};
const IDS = [[3, 17, 0, 22, 9, 9, 14], [5, 1, 8, 2, 19, 0, 0]];
const MASK = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0]];
const int2d = (rows: number[][]) => hostTensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length]);
const want = referenceLogits(model, IDS, MASK);
const dir = mkdtempSync(join(tmpdir(), 'attn-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exportOnnx', () => {
  it('writes a file plain onnxruntime-node loads with Optimum’s input/output layout', async () => {
    const path = join(dir, 'model.onnx');
    await exportOnnx(program, TEXT_INPUT_SIGNATURE, path, {
      parameterNames: model.namedParameters(),
      outputDims: { logits: ['batch_size', 'sequence_length', C.vocab] },
    });
    const session = await ortNode.InferenceSession.create(path);
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
    expect(session.outputNames).toEqual(['logits']);
    for (const input of session.inputMetadata) {
      expect(input.isTensor && [input.type, input.shape]).toEqual(['int64', ['batch_size', 'sequence_length']]);
    }
    const output = session.outputMetadata[0]!;
    expect(output.isTensor && output.shape).toEqual(['batch_size', 'sequence_length', C.vocab]);

    const int64 = (rows: number[][]) => new ortNode.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]!.length]);
    const { logits } = await session.run({ input_ids: int64(IDS), attention_mask: int64(MASK) });
    expect(logits!.dims).toEqual([2, 7, C.vocab]);
    expectClose(logits!.data as Float32Array, want, 2e-5, 2e-5, 'exported logits vs JS reference');
    await session.release();
  });

  it.each(ORT_ENGINES)('matches the program run through the $name backend', async ({ create }) => {
    const backend = await create();
    const { logits } = await backend.run(program, { input_ids: int2d(IDS), attention_mask: int2d(MASK) });
    expect(logits.shape).toEqual([2, 7, C.vocab]);
    expectClose(logits.data, want, 2e-5, 2e-5, 'backend logits vs JS reference');
    // A shorter batch of one replays the same session.
    const short = await backend.run(program, { input_ids: int2d([IDS[1]!.slice(0, 5)]), attention_mask: int2d([MASK[1]!.slice(0, 5)]) });
    expectClose(short.logits.data, want.slice(7 * C.vocab, 12 * C.vocab), 2e-5, 2e-5, 'batch of one, 5 tokens');
    await backend.dispose();
  });

  it('exports a model that declares exportSpec(), naming initializers by checkpoint key', async () => {
    const path = join(dir, 'from-spec.onnx');
    await exportOnnx(model, path);
    const text = new TextDecoder('latin1').decode(readFileSync(path));
    for (const name of ['wte.weight', 'h.0.attn.c_attn.weight', 'h.1.mlp.c_proj.bias', 'ln_f.weight']) expect(text).toContain(name);
    const session = await ortNode.InferenceSession.create(path);
    expect(session.outputMetadata[0]!.isTensor && session.outputMetadata[0]!.shape).toEqual(['batch_size', 'sequence_length', C.vocab]);
    const int64 = (rows: number[][]) => new ortNode.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]!.length]);
    const { logits } = await session.run({ input_ids: int64(IDS), attention_mask: int64(MASK) });
    expectClose(logits!.data as Float32Array, want, 2e-5, 2e-5, 'logits of the exportSpec() export');
    await session.release();
    await expect(exportOnnx({} as never, join(dir, 'nothing.onnx'))).rejects.toThrow(UnsupportedError);
  });

  it('a write that fails is a typed error naming the path', async () => {
    const path = join(dir, 'missing', 'model.onnx');
    await expect(exportOnnx(program, TEXT_INPUT_SIGNATURE, path)).rejects.toThrow(LoadError);
    await expect(exportOnnx(program, TEXT_INPUT_SIGNATURE, path)).rejects.toThrow(path);
  });
});
