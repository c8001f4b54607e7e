/**
 * A loopback npm registry for the consumer test, so a fresh app can `npm install` our packed tarballs
 * and their third-party dependencies without the network. It serves:
 * - the tarballs `pnpm pack` wrote (our packages, exactly as they would be published), and
 * - every package the workspace's `pnpm install` already put in node_modules/.pnpm (onnxruntime-web,
 *   tfjs, their dependencies…), each packed on request from its installed folder.
 * npm resolves the apps' dependencies against this like against registry.npmjs.org, so a dependency our
 * manifests forget, a wrong range or a missing file shows up as it would for a user.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly [field: string]: unknown;
}

/** Where one version's tarball comes from: a packed .tgz, or an installed folder tarred on request. */
type Source = { readonly tgz: string } | { readonly folder: string };

interface Entry {
  readonly manifest: Manifest;
  readonly source: Source;
}

export interface Registry {
  readonly url: string;
  /** name → version of the packed tarballs (our packages). */
  readonly packed: Readonly<Record<string, string>>;
  /** name@version of every tarball npm fetched, to check what an app really installed. */
  readonly served: readonly string[];
  close(): Promise<void>;
}

/** The package folders in a pnpm virtual store: real directories; their dependencies are symlinks. */
function storeFolders(store: string): string[] {
  const folders: string[] = [];
  for (const slot of readdirSync(store)) {
    const modules = join(store, slot, 'node_modules');
    if (!existsSync(modules)) continue;
    for (const entry of readdirSync(modules)) {
      const path = join(modules, entry);
      const candidates = entry.startsWith('@') ? readdirSync(path).map((inner) => join(path, inner)) : [path];
      for (const folder of candidates) {
        if (!lstatSync(folder).isSymbolicLink() && existsSync(join(folder, 'package.json'))) folders.push(folder);
      }
    }
  }
  return folders;
}

function packedManifest(tgz: string): Manifest {
  const run = spawnSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`cannot read package/package.json from ${tgz}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Manifest;
}

/** Release versions before prereleases, then by number: what npm's `latest` tag usually points at. */
function latest(versions: string[]): string {
  const key = (v: string) => [v.includes('-') ? 0 : 1, ...v.split(/[.-]/).slice(0, 3).map(Number)];
  return versions.reduce((best, v) => {
    const [a, b] = [key(v), key(best)];
    const i = a.findIndex((x, k) => x !== b[k]);
    return i >= 0 && a[i]! > b[i]! ? v : best;
  });
}

/**
 * Starts the registry on 127.0.0.1. `store` is a node_modules/.pnpm folder; `tarballs` are `pnpm pack`
 * outputs, which win over a store copy of the same name.
 */
export async function startRegistry(store: string, tarballs: readonly string[]): Promise<Registry> {
  const packages = new Map<string, Map<string, Entry>>();
  const add = (manifest: Manifest, source: Source) => {
    const versions = packages.get(manifest.name) ?? new Map<string, Entry>();
    packages.set(manifest.name, versions);
    versions.set(manifest.version, { manifest, source });
  };
  for (const folder of storeFolders(store)) {
    add(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Manifest, { folder });
  }
  const packed: Record<string, string> = {};
  for (const tgz of tarballs) {
    const manifest = packedManifest(tgz);
    packages.delete(manifest.name);
    add(manifest, { tgz });
    packed[manifest.name] = manifest.version;
  }

  const served: string[] = [];
  let origin = '';
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).slice(1);
    const tarball = /^(.+)\/-\/(.+)\.tgz$/.exec(path);
    if (tarball) {
      const [, name, version] = tarball;
      const entry = packages.get(name!)?.get(version!);
      if (!entry) return notFound(response, path);
      served.push(`${name}@${version}`);
      return sendTarball(entry.source, response);
    }
    const versions = packages.get(path);
    if (!versions) return notFound(response, path);
    const packument = {
      name: path,
      'dist-tags': { latest: latest([...versions.keys()]) },
      versions: Object.fromEntries(
        [...versions].map(([version, { manifest }]) => [
          version,
          { ...manifest, _id: `${path}@${version}`, dist: { tarball: `${origin}/${path}/-/${version}.tgz` } },
        ]),
      ),
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    packed,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function notFound(response: ServerResponse, path: string): void {
  response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `not found: ${path}` }));
}

/**
 * An installed folder goes out as an uncompressed tar under `package/` (npm's extractor reads plain tar
 * as well as gzip; skipping compression saves seconds on onnxruntime's hundreds of MB). pnpm's store
 * hard-links identical files, which tar would record as links npm refuses: dereference them.
 */
function sendTarball(source: Source, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/octet-stream' });
  if ('tgz' in source) {
    response.end(readFileSync(source.tgz));
    return;
  }
  const tar = spawn(
    'tar',
    ['-c', '--hard-dereference', '--exclude=./node_modules', '--owner=0', '--group=0', '--transform=s,^\\.,package,', '-C', source.folder, '.'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  tar.stdout.pipe(response);
}
