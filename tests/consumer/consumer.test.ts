/**
 * The packages as a user gets them. Every package is packed (`pnpm pack`) and installed with npm, from a
 * loopback registry (registry.ts), into two fresh apps: a Node app, and a Vite app that is built
 * (minified) and run in headless Chromium. Each runs every README's opening example and must print what
 * the README shows; `tsc --strict` must accept the ```ts examples (and the page) on TypeScript 5.0 and on
 * the current version, without skipLibCheck, so our .d.ts files are checked too. (```js examples are
 * plain JavaScript: they run, but are not type-checked.)
 *
 * Needs `pnpm build` (the tarballs hold dist/) and, for the Vite app, Chromium (as the browser suite).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, packWorkspace } from './apps.js';
import { compareExample, READMES, readmeExample } from './examples.js';
import { type Registry, startRegistry } from './registry.js';
import { type PageRun, runViteApp } from './vite-app.js';

const exec = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const TESTS = join(REPO, 'tests');
const IDS = Object.keys(READMES);

/** The engines the apps install, at the versions this workspace tests. */
const ENGINES = JSON.parse(readFileSync(join(TESTS, 'package.json'), 'utf8')).dependencies as Record<string, string>;
/** TypeScript versions the examples must compile with: the oldest supported and the workspace's. */
const TYPESCRIPTS = ['typescript50', 'typescript'] as const;

let tmp: string;
let registry: Registry;
let tarballs: string[];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'attnjs-consumer-'));
  tarballs = await packWorkspace(REPO, join(tmp, 'packs'));
  registry = await startRegistry(join(REPO, 'node_modules', '.pnpm'), tarballs);
}, 60_000);

afterAll(async () => {
  await registry?.close();
  // ATTNJS_KEEP_CONSUMER_APPS=1 keeps the apps for a look after a failure.
  if (process.env.ATTNJS_KEEP_CONSUMER_APPS) console.log(`consumer apps kept in ${tmp}`);
  else if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** `tsc -p app` with one of the installed TypeScripts; returns its diagnostics ('' when none). */
async function typecheck(typescript: string, app: string): Promise<string> {
  const tsc = join(TESTS, 'node_modules', typescript, 'bin', 'tsc');
  try {
    await exec(process.execPath, [tsc, '-p', app, '--noEmit', '--pretty', 'false'], { cwd: app });
    return '';
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}` || String(error);
  }
}

/** Runs `node args…` in `cwd`: '' when it exits 0, else what it wrote to stderr. */
async function nodeFailure(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  try {
    await exec(process.execPath, args, { cwd, env: { ...process.env, ...env }, timeout: 90_000 });
    return '';
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    return stderr || String(error);
  }
}

/** Every installed copy of a package under an app's node_modules (npm nests a second version). */
async function copiesOf(app: string, name: string): Promise<string[]> {
  const { stdout } = await exec('find', [join(app, 'node_modules'), '-type', 'd', '-path', `*/node_modules/${name}`, '-prune']);
  return stdout.split('\n').filter(Boolean);
}

describe('the packed tarballs', () => {
  it('hold a LICENSE, and their manifests a license and Node engines', async () => {
    for (const tgz of tarballs) {
      const { stdout: files } = await exec('tar', ['-tzf', tgz]);
      expect(files.split('\n'), `${tgz} has LICENSE`).toContain('package/LICENSE');
      const { stdout } = await exec('tar', ['-xzOf', tgz, 'package/package.json']);
      const manifest = JSON.parse(stdout) as { license?: string; engines?: { node?: string } };
      expect(manifest.license, tgz).toBe('Apache-2.0');
      expect(manifest.engines?.node, `${tgz} engines.node`).toBeTruthy();
    }
  });
});

describe('a fresh Node app', () => {
  let app: string;
  beforeAll(async () => {
    app = join(tmp, 'node-app');
    const dependencies = {
      ...registry.packed,
      'onnxruntime-web': ENGINES['onnxruntime-web']!,
      'onnxruntime-node': ENGINES['onnxruntime-node']!,
    };
    await createApp({ dir: app, template: 'node-app', dependencies }, registry.url, join(tmp, 'cache'));
    // The examples read fixtures from ./testdata, as they do from the repository root.
    symlinkSync(join(REPO, 'testdata'), join(app, 'testdata'));
    mkdirSync(join(app, 'src'));
    mkdirSync(join(app, 'run'));
    for (const id of IDS) {
      const { code, lang } = readmeExample(REPO, id);
      writeFileSync(join(app, 'src', `${id}.${lang}`), code);
      writeFileSync(join(app, 'run', `${id}.mjs`), code);
    }
  }, 240_000);

  it.each(IDS)('runs the %s README example and prints what it shows', async (id) => {
    const capture = join(app, `printed-${id}.jsonl`);
    const failure = await nodeFailure(['--import', './capture-console.mjs', join('run', `${id}.mjs`)], app, { ATTNJS_CAPTURE: capture });
    expect(failure, `${READMES[id]}'s example in the Node app`).toBe('');
    const printed = existsSync(capture)
      ? readFileSync(capture, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as string)
      : [];
    expect(compareExample(readmeExample(REPO, id), printed)).toEqual([]);
  });

  it.each(TYPESCRIPTS)('type-checks the TypeScript examples with tsc --strict (%s)', async (typescript) => {
    expect(await typecheck(typescript, app)).toBe('');
  });

  it("can require() every package (Node ≥ 20.19 loads ES modules through the 'default' condition)", async () => {
    const script = `for (const name of ${JSON.stringify(Object.keys(registry.packed))}) {
      const m = require(name);
      if (Object.keys(m).length === 0) throw new Error(name + ' exports nothing to require()');
    }`;
    writeFileSync(join(app, 'require-all.cjs'), script);
    expect(await nodeFailure(['require-all.cjs'], app)).toBe('');
  });

  it('has one onnxruntime-web: the app’s', async () => {
    expect(await copiesOf(app, 'onnxruntime-web')).toEqual([join(app, 'node_modules', 'onnxruntime-web')]);
  });
});

describe('a fresh Node app on onnxruntime-node alone', () => {
  let app: string;
  beforeAll(async () => {
    app = join(tmp, 'node-ort-app');
    const dependencies = {
      '@attnjs/backend-ort': registry.packed['@attnjs/backend-ort']!,
      '@attnjs/gpt': registry.packed['@attnjs/gpt']!,
      'onnxruntime-node': ENGINES['onnxruntime-node']!,
    };
    await createApp({ dir: app, template: 'node-app', dependencies }, registry.url, join(tmp, 'cache'));
  }, 240_000);

  it('does not install onnxruntime-web', async () => {
    expect(await copiesOf(app, 'onnxruntime-web')).toEqual([]);
  });

  it('runs the backend-ort README example', async () => {
    symlinkSync(join(REPO, 'testdata'), join(app, 'testdata'));
    writeFileSync(join(app, 'backend-ort.mjs'), readmeExample(REPO, 'backend-ort').code);
    expect(await nodeFailure(['backend-ort.mjs'], app)).toBe('');
  });
});

describe('a fresh Vite app in headless Chromium', () => {
  let app: string;
  let page: PageRun;
  beforeAll(async () => {
    app = join(tmp, 'vite-app');
    const dependencies = { ...registry.packed, 'onnxruntime-web': ENGINES['onnxruntime-web']! };
    await createApp({ dir: app, template: 'vite-app', dependencies }, registry.url, join(tmp, 'cache'));
    page = await runViteApp(REPO, app, IDS);
  }, 300_000);

  it.each(IDS)('runs the %s README example and prints what it shows', (id) => {
    expect(page.failures[id], `${READMES[id]}'s example failed in the page`).toBeUndefined();
    expect(compareExample(page.examples[id]!, page.printed[id] ?? [])).toEqual([]);
  });

  it.each(TYPESCRIPTS)('type-checks the page and the TypeScript examples with tsc --strict (%s)', async (typescript) => {
    expect(await typecheck(typescript, app)).toBe('');
  });

  it('bundles one onnxruntime-web, the app’s, whose wasmPaths setting the backend uses', async () => {
    expect(await copiesOf(app, 'onnxruntime-web')).toEqual([join(app, 'node_modules', 'onnxruntime-web')]);
    const assets = join(app, 'dist', 'assets');
    const wasm = readdirSync(assets).filter((f) => f.endsWith('.wasm'));
    expect(wasm.filter((f) => f.startsWith('ort')).length, `ort .wasm assets: ${wasm}`).toBeLessThanOrEqual(1);
    // onnxruntime-web's module names its .wasm; a second copy of the module would be a second file naming it.
    const ortModules = readdirSync(assets).filter((f) => f.endsWith('.js') && readFileSync(join(assets, f), 'utf8').includes('ort-wasm-simd-threaded'));
    expect(ortModules, 'JS assets holding onnxruntime-web').toHaveLength(1);
    // The page set ort.env.wasm.wasmPaths = '/ort-wasm/' on its own copy; the bert example ran on it.
    expect(page.requests.filter((r) => r.startsWith('/ort-wasm/') && r.endsWith('.wasm'))).not.toEqual([]);
    expect(page.requests.filter((r) => r.startsWith('/assets/') && r.endsWith('.wasm'))).toEqual([]);
  });

  it("runs tfjs 'wasm' through createTfjsBackend's wasmPaths option", () => {
    expect(page.requests.filter((r) => r.startsWith('/tfjs-wasm/') && r.endsWith('.wasm'))).not.toEqual([]);
  });

  it('loads model folders and tokenizers from relative URL strings', () => {
    expect(page.errors.rootRelativeModel, "fromPretrained('/testdata/gpt2-tiny/')").toBeNull();
    expect(page.errors.rootRelativeTokenizer, "Tokenizer.fromUrl('/testdata/bert-vocab/tokenizer.json')").toBeNull();
    for (const file of ['/testdata/gpt2-tiny/config.json', '/testdata/gpt2-tiny/model.safetensors', '/testdata/bert-tiny/config.json', '/testdata/bert-vocab/tokenizer.json']) {
      expect(page.requests, file).toContain(file);
    }
  });

  it('reports real error names from the minified bundle', () => {
    expect(page.errors.config).toMatchObject({ name: 'ConfigError', isAttnError: true });
    expect(page.errors.config?.message).toContain('no-such-model');
    expect(page.errors.tokenizer).toMatchObject({ name: 'UnsupportedComponentError', isTokenizerError: true });
  });
});
