/**
 * One browser training measurement: a fresh headless Chromium (the browser test suite's own launcher and
 * static server, tests/browser/harness.ts), a page bundled from bench/train-page.mjs, one tfjs device.
 *
 *   node bench/train-browser.mjs <webgl|wasm|webgpu> <row> [runs=5] [budget seconds=45]
 *
 * The checkpoint is served to the page from bench/.cache by a Playwright route. Prints one JSON line:
 * the timings, `{ skipped }` (no Chromium, no WebGPU adapter), or it exits 1 with "ERROR: …".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { CACHE, CHECKPOINTS } from './checkpoints.mjs';
import { machineBusySeconds } from './machine.mjs';
import { ROWS, readBatch } from './train-rows.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/**
 * tests/browser/harness.ts, compiled to bench/.cache/harness.mjs. That folder is two levels below the repo
 * root, as tests/browser/ is, so the harness's repo-relative folders (the .wasm files) resolve the same.
 */
async function loadHarness() {
  const outfile = join(CACHE, 'harness.mjs');
  await build({ entryPoints: [here('../tests/browser/harness.ts')], outfile, bundle: true, packages: 'external', platform: 'node', format: 'esm', logLevel: 'silent' });
  return import(pathToFileURL(outfile).href);
}

async function bundlePage() {
  const result = await build({ entryPoints: [here('./train-page.mjs')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  return result.outputFiles[0].text;
}

async function main() {
  const [device, rowKey, runsArg, budgetArg] = process.argv.slice(2);
  const row = ROWS[rowKey];
  if (!['webgl', 'wasm', 'webgpu'].includes(device) || !row) throw new Error('usage: train-browser.mjs <webgl|wasm|webgpu> <row> [runs] [budget seconds]');
  const harness = await loadHarness();
  if (!existsSync(harness.CHROMIUM)) {
    process.stdout.write(`${JSON.stringify({ skipped: `no Chromium at ${harness.CHROMIUM} (node tests/ensure-system.mjs installs it)` })}\n`);
    return;
  }
  const server = await harness.serve(await bundlePage());
  const browser = await harness.launchChromium();
  try {
    const page = await browser.context.newPage();
    page.on('console', (message) => message.text().startsWith('  [') && process.stderr.write(`${message.text()}\n`)); // progress lines only
    const folder = CHECKPOINTS[row.checkpoint].dir;
    await page.route('**/checkpoint/*', (route) => {
      const file = join(folder, new URL(route.request().url()).pathname.split('/').pop());
      // A 404 for what the folder lacks (fromPretrained asks for generation_config.json, which is optional).
      return existsSync(file) ? route.fulfill({ path: file }) : route.fulfill({ status: 404, body: 'not found' });
    });
    await page.goto(server.origin);
    await page.waitForFunction(() => globalThis.attnReady === true);
    const busy0 = machineBusySeconds();
    const wall0 = performance.now();
    const options = { device, row, batch: readBatch(rowKey), runs: Number(runsArg ?? 5), budgetMs: 1000 * Number(budgetArg ?? 45) };
    const result = await page.evaluate((o) => globalThis.attnTrainBench(o), options);
    if (result.error) throw new Error(result.error);
    // Chromium's processes are not this one: only the machine's total busy cores can be told.
    const machineLoad = busy0 === undefined ? undefined : (machineBusySeconds() - busy0) / ((performance.now() - wall0) / 1000);
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const chromium = /Chrome\/([\d.]+)/.exec(userAgent)?.[1] ?? '?';
    const backendName = result.backendName && `${result.backendName} in Chromium ${chromium}${result.renderer ? ` (${result.renderer})` : ''}`;
    process.stdout.write(`${JSON.stringify({ ...result, backendName, row: rowKey, machineLoad })}\n`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\nERROR: ${error?.message ?? error}\n`);
  process.exit(1);
});
