/**
 * Every README opens with an example; each must run as printed (from the repo root, where the testdata
 * paths resolve) and print exactly what its `// → …` comments say (`…` stands for further digits). What
 * they print is then checked against references, not against attn.js: the PyTorch fixtures in testdata/,
 * tests/readme-reference/ (NumPy float64 that first reproduces those fixtures), or a hand-worked value.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// biome-ignore lint: reference files are free-form JSON
const REFERENCE: any = JSON.parse(readFileSync(new URL('./readme-reference/readme-reference.json', import.meta.url), 'utf8'));
const GPT2_SHORT = REFERENCE['gpt2-tiny:56,616,662'];
const GPT2_PROMPT = REFERENCE['gpt2-tiny:56,616,662,395,559'];
const BERT = REFERENCE['bert-tiny:readme'];

/** The first ```ts or ```js block of a README. */
function firstExample(readme: string): string {
  const code = /```(?:ts|js)\n([\s\S]*?)```/.exec(readFileSync(new URL(readme, new URL('..', import.meta.url)), 'utf8'))?.[1];
  expect(code, `${readme} has an example`).toBeDefined();
  return code!;
}

/** Runs a README's example as an ES module from tests/ (where every package resolves); its printed lines. */
function run(readme: string): string[] {
  const file = fileURLToPath(new URL(`./.readme-${readme.replace(/\W/g, '_')}.mjs`, import.meta.url));
  writeFileSync(file, firstExample(readme));
  try {
    return execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }).trimEnd().split('\n');
  } finally {
    rmSync(file, { force: true });
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each console.log line must carry a `// … → printed` comment, and the output must match them in order. */
function expectPrintedAsCommented(readme: string, printed: string[]): void {
  const lines = firstExample(readme).split('\n').filter((line) => line.includes('console.log('));
  const comments = lines.map((line) => /\/\/ (?:[^→]*→ )?(?<shown>.*)$/.exec(line)?.groups?.shown);
  expect(comments.every((c) => c !== undefined), `${readme}: every console.log shows its output in a comment`).toBe(true);
  expect(lines.every((line) => line.includes('→ ')), `${readme}: comments mark the output with →`).toBe(true);
  expect(printed).toHaveLength(comments.length);
  comments.forEach((shown, i) => {
    const pattern = new RegExp(`^${shown!.split('…').map(escape).join('\\S*')}$`);
    expect(printed[i], `${readme}: console.log #${i + 1} prints what its comment says`).toMatch(pattern);
  });
}

/** The numbers in a printed line, in order. */
const numbers = (line: string) => [...line.matchAll(/-?\d+(?:\.\d+)?(?:e-?\d+)?/g)].map((m) => Number(m[0]));

/** |got − want| ≤ 1e-5·(1 + |want|): the float32-vs-float64 tolerance of testdata/README.md. */
const expectNear = (got: number, want: number, what: string) =>
  expect(Math.abs(got - want), `${what}: ${got} vs reference ${want}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));

describe('README examples print what they say, and it is right', () => {
  it('README.md', () => {
    const printed = run('README.md');
    expectPrintedAsCommented('README.md', printed);
    const [b, t, v, loss] = numbers(printed[0]!);
    expect([b, t, v]).toEqual([1, 3, 1000]);
    expectNear(loss!, GPT2_SHORT.loss, 'GPT-2 loss on [56, 616, 662]');
    expect(JSON.parse(printed[1]!)).toEqual([GPT2_PROMPT.greedy5]);
  });

  it('packages/gpt/README.md', () => {
    const printed = run('packages/gpt/README.md');
    expectPrintedAsCommented('packages/gpt/README.md', printed);
    expect(printed[0]).toBe(`[ 1, 5, 1000 ] ${GPT2_PROMPT.loss.toFixed(3)}`);
    expect(JSON.parse(printed[1]!)).toEqual([GPT2_PROMPT.greedy5.slice(0, 8)]);
  });

  it('packages/bert/README.md', () => {
    const printed = run('packages/bert/README.md');
    expectPrintedAsCommented('packages/bert/README.md', printed);
    const [b, t, v, nsp0, nsp1, loss] = numbers(printed[0]!.replace('Float32Array(2)', ''));
    expect([b, t, v]).toEqual(BERT.prediction_logits_shape);
    expectNear(nsp0!, BERT.seq_relationship_logits[0], 'NSP logit 0');
    expectNear(nsp1!, BERT.seq_relationship_logits[1], 'NSP logit 1');
    expectNear(loss!, BERT.loss, 'MLM + NSP loss');
  });

  it('packages/core/README.md', () => {
    const printed = run('packages/core/README.md');
    expectPrintedAsCommented('packages/core/README.md', printed);
    // Row 0: logits [2, 0, 0], label 0; row 1 is ignored (−100).
    expectNear(Number(printed[0]), -Math.log(Math.exp(2) / (Math.exp(2) + 2)), 'cross-entropy');
  });

  it('packages/backend-tfjs/README.md', () => {
    const printed = run('packages/backend-tfjs/README.md');
    expectPrintedAsCommented('packages/backend-tfjs/README.md', printed);
    // A zero Linear gives uniform logits over 3 classes: the loss is ln 3 whatever the labels.
    const [loss, ...shape] = numbers(printed[0]!);
    expectNear(loss!, Math.log(3), 'loss of a zero head');
    expect(shape).toEqual([3, 4]);
  });

  it('packages/backend-ort/README.md', () => {
    const exported = `${ROOT}gpt2-tiny.onnx`;
    try {
      const printed = run('packages/backend-ort/README.md');
      expectPrintedAsCommented('packages/backend-ort/README.md', printed);
      expect(printed[0]).toBe('[ 1, 3, 1000 ]');
      expect(GPT2_SHORT.greedy5_min_margin, 'the reference argmaxes are clear of float32 noise').toBeGreaterThan(1e-3);
      expect(JSON.parse(printed[1]!)).toEqual([GPT2_SHORT.greedy5]);
      expect(existsSync(exported) && statSync(exported).size > 100_000, 'exportOnnx wrote the model').toBe(true);
    } finally {
      rmSync(exported, { force: true });
    }
  });
});

it('packages/train/README.md', () => {
  const losses = run('packages/train/README.md').map((line: string) => Number(line.split(' ')[1]));
  expect(losses).toHaveLength(8);
  expect(losses[7]!).toBeLessThan(losses[0]! - 0.01);
});
