#!/usr/bin/env node
/**
 * Makes sure the suites have what they need from the system before `pnpm test` runs them, so the README's
 * test command works on a fresh machine with only Node and npm:
 *
 * - Chromium for the browser suites (tests/browser), at /usr/bin/chromium or where ATTNJS_CHROMIUM points;
 * - PyTorch for the checkpoint check (tests/pytorch-load.test.ts: plain PyTorch loads what attn.js saves),
 *   as Debian's python3-torch under /usr/bin/python3.
 *
 * Idempotent and quiet: it does nothing when both are there, and otherwise installs the missing Debian
 * packages with one apt-get run (playwright's and PyPI's downloads are not reachable from CI). It never asks
 * for a password: without root it says what to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const PYTHON = '/usr/bin/python3';
const chosenChromium = process.env.ATTNJS_CHROMIUM;

function fail(message) {
  console.error(`ensure-system: ${message}`);
  process.exit(1);
}

const missing = [];
if (chosenChromium !== undefined && chosenChromium !== '') {
  if (!existsSync(chosenChromium)) fail(`ATTNJS_CHROMIUM is ${JSON.stringify(chosenChromium)}, which does not exist.`);
} else if (!existsSync(DEBIAN_CHROMIUM)) {
  missing.push({ package: 'chromium', for: 'the browser suites', installed: () => existsSync(DEBIAN_CHROMIUM) });
}
const hasTorch = () => spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch()) missing.push({ package: 'python3-torch', for: 'the PyTorch checkpoint check', installed: hasTorch });
if (missing.length === 0) process.exit(0);

const packages = missing.map((m) => m.package);
const INSTALL = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
const needs = missing.map((m) => `${m.package} (${m.for})`).join(' and ');
const hasApt = process.platform === 'linux' && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasApt) {
  fail(
    `the suites need ${needs}, and this machine has no apt-get to install them. Install Chromium and point ` +
      'ATTNJS_CHROMIUM at its binary, and PyTorch for /usr/bin/python3.',
  );
}
if (process.getuid?.() !== 0) fail(`the suites need ${needs}. Install them once with \`sudo sh -c '${INSTALL}'\`.`);

console.log(`ensure-system: installing Debian's ${packages.join(' and ')} for the test suites (once; takes a few minutes)…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
// Wait for another apt/dpkg run (unattended upgrades, a parallel job) instead of failing on its lock.
const WAIT_FOR_LOCK = ['-o', 'DPkg::Lock::Timeout=600'];
for (const args of [
  ['update', '-qq', ...WAIT_FOR_LOCK],
  ['install', '-y', '-qq', '--no-install-recommends', ...WAIT_FOR_LOCK, ...packages],
]) {
  const run = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    process.stderr.write(run.stdout ?? '');
    process.stderr.write(run.stderr ?? '');
    fail(`\`apt-get ${args.join(' ')}\` failed (exit ${run.status ?? run.signal}); install them with \`${INSTALL}\`.`);
  }
}
for (const m of missing) if (!m.installed()) fail(`apt-get installed ${m.package}, but it is still not usable.`);
console.log(`ensure-system: installed ${packages.join(' and ')}.`);
