/**
 * Running the benchmark's measurement processes (each prints one JSON line on stdout, progress on stderr),
 * and what they run (PyTorch, dependency versions).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Debian's python3-torch lives in /usr/bin/python3, not in a pyenv python; ATTNJS_BENCH_PYTHON picks another.
export const PYTHON = process.env.ATTNJS_BENCH_PYTHON || '/usr/bin/python3';

/** Why PyTorch cannot run here, or undefined when it can. */
export function torchUnavailable() {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found`;
  if (probe.status !== 0) {
    const reason = probe.stderr.trim().split('\n').pop();
    return `${PYTHON} cannot import torch (${reason}); apt-get install -y python3-torch libopenblas0-pthread`;
  }
  return undefined;
}

/**
 * The environment that keeps a PyTorch peer on one core, for comparisons with single-threaded engines (the
 * training bench: tfjs runs on one thread). torch.set_num_threads(1) does not reach the BLAS library's own
 * thread pool: Debian's OpenBLAS starts one thread per core, and the "1 thread" nanoGPT training step kept
 * 1.98 cores busy (69–83 ms; 83–85 ms on one core, the 82.5 ms issue 9 quotes).
 */
export const ONE_CORE_ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/**
 * Runs one measurement process; resolves to its last stdout line parsed as JSON, or `{ error }` with the
 * reason (the worker's "ERROR: message" line, else Python's exception line). stderr passes through.
 */
export function runJsonProcess(command, argv, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop();
      if (code === 0 && line) return resolve(JSON.parse(line));
      const lines = stderr.trim().split('\n').filter((l) => l && !l.startsWith('  ['));
      const reason = lines.findLast((l) => l.startsWith('ERROR: '))?.slice(7) ?? lines.at(-1) ?? `exit code ${code}`;
      resolve({ error: reason.slice(0, 200) });
    });
  });
}

/** A dependency's version, read from its package.json under bench/node_modules (some packages do not export it). */
export function versionOf(name) {
  try {
    return JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return '?';
  }
}
