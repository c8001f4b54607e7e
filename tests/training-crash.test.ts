/**
 * A process killed at random points while it trains and saves leaves only whole checkpoints: the latest
 * `checkpoint-<step>` folder always resumes, and it is at least the last one the child reported saved.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { Random, SGD, Trainer, latestCheckpoint, resumeFromCheckpoint } from '@attnjs/train';
import { afterAll, expect, it } from 'vitest';
import { fixtureDir } from './reference.js';

const CHILD = fileURLToPath(new URL('./training-save-child.mjs', import.meta.url));
let out = '';
afterAll(() => rm(out, { recursive: true, force: true }));

/** Runs the child until it has reported `after` saves, then SIGKILLs it `delayMs` later; returns its last report. */
function runAndKill(after: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, out, fixtureDir('gpt2-tiny')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let last = 0;
    let seen = 0;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (chunk: Buffer) => {
      for (const m of String(chunk).matchAll(/saved (\d+)/g)) {
        last = Number(m[1]);
        if (++seen === after) setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(last) : reject(new Error(`child exited: ${stderr}`))));
  });
}

it('a run killed mid-save resumes from the last good checkpoint', async () => {
  out = await mkdtemp(join(tmpdir(), 'attnjs-crash-'));
  const random = new Random(2024);
  const backend = await createTfjsBackend({ device: 'cpu' });
  const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
  const trainer = new Trainer({ model, optimizer: new SGD({ groups: [{ params: model.parameters(), weightDecay: 0 }], momentum: 0.9 }), learningRate: 0.1 });
  for (let round = 0; round < 4; round++) {
    await rm(out, { recursive: true, force: true });
    const reported = await runAndKill(2 + random.int(3), random.int(400));
    const latest = await latestCheckpoint(out);
    expect(latest, `round ${round}`).toBeDefined();
    await resumeFromCheckpoint(trainer, latest!); // throws on a torn file
    expect(trainer.step).toBeGreaterThanOrEqual(reported);
    expect(trainer.step).toBeLessThanOrEqual(reported + 1); // a save that completed just before the kill
    const names = await readdir(out);
    expect(names.filter((n) => /^checkpoint-\d+$/.test(n)).length).toBeGreaterThanOrEqual(reported);
  }
  trainer.dispose();
  model.dispose();
  await backend.dispose();
});
