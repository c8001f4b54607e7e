/**
 * Every README opens with an example; each must run as printed (from the repo root, where the
 * testdata paths resolve) and print what its comments say.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The first ```ts block of a README, run as an ES module from tests/ (where every package resolves). */
function runFirstExample(readme: string): string {
  const text = readFileSync(new URL(readme, new URL('..', import.meta.url)), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  expect(code, `${readme} has a ts example`).toBeDefined();
  const file = fileURLToPath(new URL(`./.readme-${readme.replace(/\W/g, '_')}.mjs`, import.meta.url));
  writeFileSync(file, code!);
  try {
    return execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  } finally {
    rmSync(file, { force: true });
  }
}

it('README.md', () => {
  const out = runFirstExample('README.md');
  expect(out).toMatch(/\[ 1, 3, 1000 \] 6\.9\d*/);
  expect(out).toContain('[[56,616,662,395,559,559,251,251,251,251]]');
});

it('packages/gpt/README.md', () => {
  const out = runFirstExample('packages/gpt/README.md');
  expect(out).toMatch(/\[ 1, 5, 1000 \] 6\.9\d\d/);
  expect(out).toContain('[[56,616,662,395,559,559,251,251]]');
});

it('packages/bert/README.md', () => {
  const out = runFirstExample('packages/bert/README.md');
  expect(out).toMatch(/\[ 1, 6, 1000 \] Float32Array\(2\) \[[^\]]+\] 7\.\d+/);
});

it('packages/core/README.md', () => {
  const out = runFirstExample('packages/core/README.md');
  expect(Number(out.trim())).toBeCloseTo(-Math.log(Math.exp(2) / (Math.exp(2) + 2)), 6);
});

it('packages/train/README.md', () => {
  const losses = runFirstExample('packages/train/README.md')
    .trim()
    .split('\n')
    .map((line) => Number(line.split(' ')[1]));
  expect(losses).toHaveLength(8);
  expect(losses[7]!).toBeLessThan(losses[0]! - 0.01);
});
