/**
 * What the browser suite needs around the page: a bundle of the built packages, a loopback HTTP server
 * for it, the fixtures and the engines' .wasm files, and one headless Chromium.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

/** Debian's build; playwright's own download cannot be reached from CI (see docs of ENVIRONMENT). */
export const CHROMIUM = process.env.ATTNJS_CHROMIUM ?? '/usr/bin/chromium';

/** The packages' dist/ must exist: the page imports what users import, not the sources. */
const DISTS = ['core', 'tokenizers', 'gpt', 'bert', 'pipelines', 'train', 'backend-tfjs', 'backend-ort'].map((p) => join(repo, 'packages', p, 'dist', 'index.js'));

/** Bundles page/entry.ts for the browser; returns the ES module's text. */
export async function bundleEntry(): Promise<string> {
  const missing = DISTS.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(`the browser suite imports the built packages; missing ${missing.join(', ')}: run \`pnpm build\` first`);
  }
  const result = await build({
    entryPoints: [join(here, 'page', 'entry.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // No `external`: the packages must bundle for browsers as they are (their Node-only branches
    // import built-ins through a non-literal specifier that bundlers leave alone).
  });
  return result.outputFiles[0]!.text;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm', // WebAssembly.instantiateStreaming insists on it
  '.safetensors': 'application/octet-stream',
};

/** URL prefix → folder on disk. Nothing outside these folders is served. */
const FOLDERS: Record<string, string> = {
  '/testdata/': join(repo, 'testdata'),
  // onnxruntime-web fetches its .wasm from env.wasm.wasmPaths, which the page points here.
  '/ort/': join(repo, 'tests', 'node_modules', 'onnxruntime-web', 'dist'),
  // The page passes createTfjsBackend({ device: 'wasm', wasmPaths: '/tfjs-wasm/' }), as the README says.
  '/tfjs-wasm/': join(repo, 'packages', 'backend-tfjs', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
};

const PAGE = '<!doctype html><meta charset="utf-8"><title>attn.js engines</title><link rel="icon" href="data:,"><script type="module" src="/bundle.js"></script>';

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves the page, the bundle and FOLDERS on 127.0.0.1 at a free port. */
export async function serve(bundle: string): Promise<StaticServer> {
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    try {
      let body: string | Buffer;
      if (path === '/' || path === '/index.html') body = PAGE;
      else if (path === '/bundle.js') body = bundle;
      else body = await readFile(resolveFile(path));
      const type = TYPES[path === '/' ? '.html' : extname(path)] ?? 'application/octet-stream';
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function resolveFile(path: string): string {
  for (const [prefix, folder] of Object.entries(FOLDERS)) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(folder, path.slice(prefix.length)));
    if (file.startsWith(folder + sep)) return file;
  }
  throw new Error(`not served: ${path}`);
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * One headless Chromium for the whole suite. Software rendering only: WebGL2 runs on SwiftShader and
 * `--enable-unsafe-webgpu` gives WebGPU a software (fallback) adapter; both are correct and slow.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the browser suite needs Chromium at ${CHROMIUM}, which does not exist. Run ` +
        '`node tests/ensure-system.mjs` (`pnpm test` does: it installs Debian\'s chromium as root, or says what to run), ' +
        'or point ATTNJS_CHROMIUM at a Chromium binary.',
    );
  }
  // playwright-core refuses --user-data-dir in args; a persistent context in a fresh folder is the way.
  const profile = await mkdtemp(join(tmpdir(), 'attnjs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--enable-unsafe-webgpu',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The suite's page, open in its own Chromium and server; `log` collects the page's console. */
export interface SuitePage {
  readonly page: Page;
  readonly log: string[];
  close(): Promise<void>;
}

/** Bundles the page, serves it, opens it in a fresh Chromium and waits until it says it is ready. */
export async function openSuitePage(): Promise<SuitePage> {
  const server = await serve(await bundleEntry());
  const browser = await launchChromium().catch(async (error) => {
    await server.close();
    throw error;
  });
  const log: string[] = [];
  const close = async () => {
    await browser.close();
    await server.close();
  };
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => (globalThis as { attnReady?: boolean }).attnReady === true, null, { timeout: 30_000 });
    return { page, log, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** An error from the page with its console's last lines, which usually say why. */
export function withPageLog(error: unknown, log: readonly string[]): Error {
  const tail = log.length > 0 ? `\npage console (last 20 lines):\n${log.slice(-20).join('\n')}` : '';
  return new Error(`${(error as Error).message}${tail}`);
}
