#!/usr/bin/env node
/**
 * Makes sure the browser suites have a Chromium before `pnpm test` runs them, so the README's test
 * command works on a fresh machine with only Node and npm. Idempotent and quiet: it does nothing when
 * Chromium is there, and otherwise installs Debian's `chromium` with apt-get (playwright's own
 * download is not reachable from CI). It never asks for a password: without root it says what to run.
 *
 * ATTNJS_CHROMIUM=/path/to/chromium uses that binary instead (and skips the install).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const chosen = process.env.ATTNJS_CHROMIUM;

function fail(message) {
  console.error(`ensure-chromium: ${message}`);
  process.exit(1);
}

if (chosen !== undefined && chosen !== '') {
  if (!existsSync(chosen)) fail(`ATTNJS_CHROMIUM is ${JSON.stringify(chosen)}, which does not exist.`);
  process.exit(0);
}
if (existsSync(DEBIAN_CHROMIUM)) process.exit(0);

const INSTALL = 'apt-get update && apt-get install -y --no-install-recommends chromium';
const hasApt = process.platform === 'linux' && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasApt) {
  fail(
    `the browser suites need Chromium at ${DEBIAN_CHROMIUM}, and this machine has no apt-get to install it. ` +
      'Install Chromium and point ATTNJS_CHROMIUM at its binary, e.g. ATTNJS_CHROMIUM=/path/to/chromium pnpm test.',
  );
}
if (process.getuid?.() !== 0) {
  fail(
    `the browser suites need Chromium at ${DEBIAN_CHROMIUM}. Install it once with \`sudo sh -c '${INSTALL}'\`, ` +
      'or point ATTNJS_CHROMIUM at a Chromium binary.',
  );
}

console.log("ensure-chromium: installing Debian's chromium for the browser suites (once; takes a minute or two)…");
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
// Wait for another apt/dpkg run (unattended upgrades, a parallel job) instead of failing on its lock.
const WAIT_FOR_LOCK = ['-o', 'DPkg::Lock::Timeout=600'];
for (const args of [
  ['update', '-qq', ...WAIT_FOR_LOCK],
  ['install', '-y', '-qq', '--no-install-recommends', ...WAIT_FOR_LOCK, 'chromium'],
]) {
  const run = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    process.stderr.write(run.stdout ?? '');
    process.stderr.write(run.stderr ?? '');
    fail(`\`apt-get ${args.join(' ')}\` failed (exit ${run.status ?? run.signal}); install Chromium with \`${INSTALL}\`.`);
  }
}
if (!existsSync(DEBIAN_CHROMIUM)) fail(`apt-get installed chromium, but ${DEBIAN_CHROMIUM} does not exist.`);
console.log(`ensure-chromium: installed ${DEBIAN_CHROMIUM}.`);
