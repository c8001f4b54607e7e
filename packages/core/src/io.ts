import { LoadError } from './errors.js';

/** A file path (Node), a URL (fetch; outside Node every string is one), or bytes already in memory. */
export type Source = string | URL | Uint8Array | ArrayBuffer;

/**
 * Imports a Node built-in at run time. The specifier is not a literal, so browser bundlers leave it
 * alone instead of failing to resolve it; in a browser the call is never reached.
 */
export function importNodeBuiltin<T>(specifier: `node:${string}`): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

type NodeFs = typeof import('node:fs/promises');

const isUrl = (s: string) => /^(https?|file|blob|data):/i.test(s);

/** Where this code runs, as far as sources go: Node reads paths from disk; elsewhere a string is a URL. */
export interface SourceHost {
  readonly node: boolean;
  /** What relative URLs resolve against outside Node: the document's base URL, or the worker's location. */
  readonly baseUrl?: string;
}

export function currentHost(): SourceHost {
  const g = globalThis as { process?: { versions?: { node?: string } }; document?: { baseURI?: string }; location?: { href?: string } };
  return { node: Boolean(g.process?.versions?.node), baseUrl: g.document?.baseURI ?? g.location?.href };
}

/**
 * What a string or URL points at: a URL to fetch, or (in Node only) a file path. In a browser a
 * string is a URL, so `/models/gpt2` and `models/gpt2` resolve against the page, as `fetch` would.
 */
export function locateSource(source: string | URL, host: SourceHost = currentHost()): string | URL {
  if (source instanceof URL) return source;
  if (isUrl(source)) return new URL(source);
  if (host.node) return source;
  if (!host.baseUrl) {
    throw new LoadError(`cannot resolve "${source}": outside Node a string is a URL, and there is no page URL to resolve it against; pass an absolute URL`);
  }
  return new URL(source, host.baseUrl);
}

/** Joins a directory path or URL with a file name (a URL outside Node, see `locateSource`). */
export function joinSource(dir: string | URL, file: string, host: SourceHost = currentHost()): string | URL {
  const base = locateSource(dir, host);
  if (base instanceof URL) {
    const href = base.href;
    return new URL(file, href.endsWith('/') ? href : `${href}/`);
  }
  return base.endsWith('/') ? base + file : `${base}/${file}`;
}

export function describeSource(source: Source): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  return `<${source.byteLength} bytes>`;
}

/**
 * Reads all bytes of a source. Node reads paths and file: URLs from disk; other URLs, and every string
 * outside Node, are fetched. Errors name what was tried: the resolved URL, or the path.
 */
export async function readBytes(source: Source, host: SourceHost = currentHost()): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const located = locateSource(source, host);
  const where =
    typeof source === 'string' && located instanceof URL && located.href !== source ? `${located.href} (from "${source}")` : describeSource(located);
  try {
    if (located instanceof URL && !(host.node && located.protocol === 'file:')) {
      const response = await fetch(located);
      if (!response.ok) throw new LoadError(`could not fetch ${where}: HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    }
    const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
    const buffer = await fs.readFile(located);
    // A view, not `new Uint8Array(buffer)`: that copies, and a checkpoint would briefly be held twice.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if (error instanceof LoadError) throw error;
    const code = (error as { code?: string }).code;
    const why = code ? ` (${code})` : error instanceof Error ? `: ${error.message}` : '';
    throw new LoadError(`could not ${located instanceof URL && located.protocol !== 'file:' ? 'fetch' : 'read'} ${where}${why}`, { cause: error });
  }
}

/** Reads a source as UTF-8 text. */
export async function readText(source: Source, host?: SourceHost): Promise<string> {
  return new TextDecoder().decode(await readBytes(source, host));
}

/** Writes bytes to `path` atomically: a temporary file in the same folder, then a rename. Node only. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw new LoadError(`could not write ${path}`, { cause: error });
  }
}
