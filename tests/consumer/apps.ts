/**
 * Fresh consumer apps for the consumer test: our packages packed as they would be published, installed
 * with npm from the loopback registry (registry.ts) into new folders, as a user's `npm install` would.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEMPLATES = join(import.meta.dirname, 'templates');

/** `pnpm pack` of every package under packages/ into `dest`; returns the tarballs' paths. */
export async function packWorkspace(repo: string, dest: string): Promise<string[]> {
  await run('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', dest], { cwd: repo, env: cleanEnv() });
  const tarballs = readdirSync(dest).filter((f) => f.endsWith('.tgz')).map((f) => join(dest, f));
  if (tarballs.length === 0) throw new Error(`pnpm pack wrote no tarballs to ${dest}`);
  return tarballs;
}

/**
 * The environment without what pnpm passes to its scripts (npm_config_*, npm_package_*), which would
 * configure the apps' npm from this workspace.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_)/i.test(k)));
  return { ...env, ...extra };
}

export interface AppSpec {
  readonly dir: string;
  /** A template folder under templates/ copied into the app first. */
  readonly template: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

/**
 * Creates the app (package.json + the template's files) and installs its dependencies with npm from
 * `registry`, with a private cache under `cache` and no user config: nothing leaves 127.0.0.1.
 */
export async function createApp(spec: AppSpec, registry: string, cache: string): Promise<void> {
  cpSync(join(TEMPLATES, spec.template), spec.dir, { recursive: true });
  const manifest = { name: `attnjs-consumer-${spec.template}`, private: true, type: 'module', dependencies: spec.dependencies };
  writeFileSync(join(spec.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(cache, { recursive: true });
  const userconfig = join(cache, 'npmrc');
  writeFileSync(userconfig, '');
  const args = ['install', `--registry=${registry}`, `--cache=${join(cache, 'npm')}`, '--no-audit', '--no-fund', '--loglevel=error'];
  try {
    // ONNXRUNTIME_NODE_INSTALL=skip as the backend-ort README says: its script would download CUDA files.
    await run('npm', args, {
      cwd: spec.dir,
      env: cleanEnv({ npm_config_userconfig: userconfig, npm_config_update_notifier: 'false', ONNXRUNTIME_NODE_INSTALL: 'skip' }),
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm install in ${spec.dir} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export interface StaticSite {
  readonly origin: string;
  /** Every path requested, in order (what the page fetched). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** Serves URL prefix → folder on 127.0.0.1; `/` serves index.html of the folder mapped to `/`. */
export async function serveFolders(folders: Readonly<Record<string, string>>): Promise<StaticSite> {
  const requests: string[] = [];
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = fileFor(folders, path.endsWith('/') ? `${path}index.html` : path);
    try {
      if (file === undefined) throw new Error('not served');
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** The longest matching prefix wins; nothing outside the mapped folders is served. */
function fileFor(folders: Readonly<Record<string, string>>, path: string): string | undefined {
  const prefix = Object.keys(folders)
    .filter((p) => path.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return undefined;
  const folder = folders[prefix]!;
  const file = normalize(join(folder, path.slice(prefix.length)));
  return file.startsWith(folder + sep) ? file : undefined;
}
