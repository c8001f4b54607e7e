/**
 * The consumer Vite app: the READMEs' examples as a page runs them, built by Vite (a production,
 * minified build), served from 127.0.0.1 and run in headless Chromium.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launchChromium } from '../browser/harness.js';
import { serveFolders } from './apps.js';
import { formatSerialized, type ReadmeExample, readmeExample } from './examples.js';

const exec = promisify(execFile);

/**
 * What a page does where a README's Node example cannot run as written; everything else (relative
 * 'testdata/…' strings included: in a page they are URLs relative to it) runs verbatim.
 */
const BROWSER_CHANGES: readonly (readonly [pattern: RegExp, replacement: string])[] = [
  // tfjs's wasm engine finds its .wasm through the backend's documented option; the test serves the
  // app's copy of @tensorflow/tfjs-backend-wasm/dist/ there, as an app would publish it.
  [/createTfjsBackend\(\{ device: 'wasm' \}\)/g, "createTfjsBackend({ device: 'wasm', wasmPaths: '/tfjs-wasm/' })"],
  // onnxruntime-node is Node's; in a page, the app's own onnxruntime-web.
  [/import\('onnxruntime-node'\)/g, "import('onnxruntime-web')"],
  // exportOnnx(model, path) writes a file.
  [/^await exportOnnx\(.*$/gm, ''],
  // fromDir reads a folder from disk; a page fetches the folder's tokenizer.json.
  [/Tokenizer\.fromDir\('([^']+)'\)/g, "Tokenizer.fromUrl('$1/tokenizer.json')"],
];

export interface CaughtError {
  readonly name: string;
  readonly isAttnError: boolean;
  readonly isTokenizerError: boolean;
  readonly message: string;
}

export interface PageRun {
  readonly examples: Readonly<Record<string, ReadmeExample>>;
  /** Per example, what each console.log call printed (util.format of the page's values). */
  readonly printed: Readonly<Record<string, string[]>>;
  /** Per example that threw: the error. */
  readonly failures: Readonly<Record<string, string>>;
  readonly errors: Readonly<Record<string, CaughtError | null>>;
  /** Every path the page requested. */
  readonly requests: readonly string[];
}

interface PageResults {
  readonly printed: Record<string, unknown[][]>;
  readonly failures: Record<string, string>;
  readonly errors: Record<string, CaughtError | null>;
}

/** Writes the examples into the app, builds it with Vite, runs it in Chromium and returns what it saw. */
export async function runViteApp(repo: string, app: string, ids: readonly string[]): Promise<PageRun> {
  const examples: Record<string, ReadmeExample> = {};
  mkdirSync(join(app, 'src', 'examples'), { recursive: true });
  for (const id of ids) {
    const example = readmeExample(repo, id);
    const code = BROWSER_CHANGES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), example.code);
    examples[id] = { ...example, code };
    writeFileSync(join(app, 'src', 'examples', `${id}.${example.lang}`), code);
  }
  const loaders = ids.map((id) => `  ${JSON.stringify(id)}: () => import('./examples/${id}.${examples[id]!.lang}'),`).join('\n');
  writeFileSync(
    join(app, 'src', 'examples.ts'),
    `export const examples: Record<string, () => Promise<unknown>> = {\n${loaders}\n};\n`,
  );

  const vite = join(repo, 'tests', 'node_modules', 'vite', 'bin', 'vite.js');
  try {
    await exec(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`vite build of the consumer app failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }

  const site = await serveFolders({
    '/': join(app, 'dist'),
    '/testdata/': join(repo, 'testdata'),
    '/ort-wasm/': join(app, 'node_modules', 'onnxruntime-web', 'dist'),
    '/tfjs-wasm/': join(app, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  });
  const browser = await launchChromium();
  const pageErrors: string[] = [];
  try {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${site.origin}/`);
    try {
      await page.waitForFunction(() => (window as unknown as { attnjsResults?: { done: boolean } }).attnjsResults?.done, null, {
        timeout: 180_000,
      });
    } catch (error) {
      throw new Error(`the consumer page did not finish: ${error}\npage errors:\n${pageErrors.join('\n')}`);
    }
    const results = await page.evaluate(() => (window as unknown as { attnjsResults: PageResults }).attnjsResults);
    const printed = Object.fromEntries(
      Object.entries(results.printed).map(([id, calls]) => [id, calls.map((args) => formatSerialized(args))]),
    );
    return { examples, printed, failures: results.failures, errors: results.errors, requests: [...site.requests] };
  } finally {
    await browser.close();
    await site.close();
  }
}
