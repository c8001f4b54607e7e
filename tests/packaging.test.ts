/**
 * The packages as an app meets them, built: require() works, error names survive minification, the
 * .d.ts files compile on TypeScript < 5.7, every README's TypeScript example passes `tsc --strict`, and
 * each package.json says what an npm citizen should (engines, LICENSE, exports, peers).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TESTS = fileURLToPath(new URL('.', import.meta.url));
const PACKAGES = ['core', 'gpt', 'bert', 'backend-tfjs', 'backend-ort', 'tokenizers', 'train', 'pipelines'];
const packageJson = (name: string) => JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8'));

describe('require()', () => {
  // One export each, checked in a plain CommonJS process, as `node -e "require(…)"` would.
  const EXPECTED: Record<string, string> = {
    '@attnjs/core': 'ConfigError',
    '@attnjs/core/internal': 'checkOptions',
    '@attnjs/gpt': 'GPT2LMHeadModel',
    '@attnjs/bert': 'BertForPreTraining',
    '@attnjs/backend-tfjs': 'createTfjsBackend',
    '@attnjs/backend-ort': 'createOrtBackend',
    '@attnjs/tokenizers': 'Tokenizer',
    '@attnjs/train': 'Trainer',
    '@attnjs/pipelines': 'pipeline',
  };

  it.each(Object.entries(EXPECTED))('require("%s") gives its exports (Node >= 20.19)', (specifier, name) => {
    const script = `process.stdout.write(typeof require(${JSON.stringify(specifier)}).${name})`;
    const out = execFileSync(process.execPath, ['--no-warnings', '-e', script], { cwd: TESTS, encoding: 'utf8' });
    expect(out).toBe('function');
  });
});

describe('a minified bundle', () => {
  it('reports every error class by its real name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attn-minified-'));
    try {
      // Every exported Error subclass of the packages that define errors, constructed in the bundle.
      const entry = `
        import * as core from '@attnjs/core';
        import * as tokenizers from '@attnjs/tokenizers';
        import * as ort from '@attnjs/backend-ort';
        import * as train from '@attnjs/train';
        const names = {};
        for (const mod of [core, tokenizers, ort, train]) {
          for (const [exported, value] of Object.entries(mod)) {
            if (typeof value === 'function' && (value === Error || value.prototype instanceof Error)) {
              names[exported] = new value(['x'], ['y'], [], []).name;
            }
          }
        }
        console.log(JSON.stringify(names));`;
      const result = await build({
        stdin: { contents: entry, resolveDir: TESTS, loader: 'js' },
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'node',
        external: ['onnxruntime-web', 'onnxruntime-node', '@tensorflow/*'],
        write: false,
      });
      const code = result.outputFiles[0]!.text;
      expect(code, 'the minifier renamed the classes').not.toMatch(/class ConfigError\b/);
      writeFileSync(join(dir, 'bundle.mjs'), code);
      const names: Record<string, string> = JSON.parse(execFileSync(process.execPath, [join(dir, 'bundle.mjs')], { encoding: 'utf8' }));
      const expected = [
        'AttnError', 'ConfigError', 'SafetensorsError', 'MissingTensorError', 'ShapeMismatchError', 'InputError',
        'BackendError', 'UnsupportedError', 'LoadError', 'TraceError', 'TokenizerError', 'TokenizerConfigError',
        'UnsupportedComponentError', 'TokenizerOptionError', 'TokenizerLoadError', 'TrainerOptionError',
        'HostWeightsReleasedError', 'DatasetError',
      ];
      expect(Object.keys(names)).toEqual(expect.arrayContaining(expected));
      for (const [exported, name] of Object.entries(names)) expect(name, exported).toBe(exported);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('types', () => {
  it('no .d.ts uses the generic typed arrays of TypeScript >= 5.7 (Int32Array<ArrayBuffer>)', () => {
    for (const name of PACKAGES) {
      const dist = join(ROOT, 'packages', name, 'dist');
      for (const file of readdirSync(dist).filter((f) => f.endsWith('.d.ts'))) {
        const text = readFileSync(join(dist, file), 'utf8');
        expect(text, `${name}/dist/${file}`).not.toMatch(/\b(Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32|Float32|Float64|BigInt64|BigUint64)Array</);
      }
    }
  });

  it("every README's TypeScript example passes tsc --strict", () => {
    const readmes = ['README.md', ...PACKAGES.map((name) => `packages/${name}/README.md`)];
    const files: string[] = [];
    try {
      for (const readme of readmes) {
        const code = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, readme), 'utf8'))?.[1];
        if (code === undefined || !code.includes('import ')) continue;
        const file = join(TESTS, `.readme-types-${readme.replace(/\W/g, '_')}.ts`);
        writeFileSync(file, `${code}\nexport {};\n`);
        files.push(file);
      }
      expect(files.length).toBeGreaterThanOrEqual(4);
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node'];
      try {
        execFileSync(process.execPath, [tsc, ...args, ...files], { cwd: TESTS, encoding: 'utf8' });
      } catch (error) {
        expect.fail(`tsc --strict on the README examples:\n${(error as { stdout: string }).stdout}`);
      }
    } finally {
      for (const file of files) rmSync(file, { force: true });
    }
  });
});

describe('package.json', () => {
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');

  it('the root LICENSE is the Apache License 2.0 the packages declare', () => {
    expect(license).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it.each(PACKAGES)('%s declares engines, ships LICENSE and can be required', (name) => {
    const pkg = packageJson(name);
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.engines).toEqual({ node: '>=20.19' });
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']));
    expect(readFileSync(join(ROOT, 'packages', name, 'LICENSE'), 'utf8'), 'copied at build').toBe(license);
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
  });

  it('engines are peers: the app brings ONNX Runtime and one tfjs-core', () => {
    const ort = packageJson('backend-ort');
    expect(Object.keys(ort.dependencies)).toEqual(['@attnjs/core']);
    expect(ort.peerDependenciesMeta).toEqual({ 'onnxruntime-node': { optional: true }, 'onnxruntime-web': { optional: true } });
    const tfjs = packageJson('backend-tfjs');
    expect(Object.keys(tfjs.dependencies)).toEqual(['@attnjs/core']);
    expect(Object.keys(tfjs.peerDependencies)).toEqual(expect.arrayContaining(['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']));
    for (const range of [...Object.values(ort.peerDependencies), ...Object.values(tfjs.peerDependencies)]) {
      expect(range, 'a range, not an exact pin').toMatch(/[\^~<>]/);
    }
  });
});
