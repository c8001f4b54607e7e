/**
 * Reading a file or URL as text. In Node a string is a file path (file: URLs too); everywhere else a
 * string is a URL, resolved against the page as `fetch` would, so `Tokenizer.fromDir('/models/gpt2')`
 * works in a browser. Node APIs are reached through dynamic `import()` only, so the package still
 * bundles for browsers.
 */
import { TokenizerLoadError } from './errors.js';

/**
 * Imports a Node built-in at run time. The specifier is not a literal, so browser bundlers leave it
 * alone instead of failing to resolve it; in a browser the call is never reached.
 */
export function importNodeBuiltin<T>(specifier: `node:${string}`): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

/** Where this code runs, as far as sources go. */
export interface SourceHost {
  readonly node: boolean;
  /** What relative URLs resolve against outside Node: the document's base URL, or the worker's location. */
  readonly baseUrl?: string;
}

export function currentHost(): SourceHost {
  const g = globalThis as { process?: { versions?: { node?: string } }; document?: { baseURI?: string }; location?: { href?: string } };
  return { node: Boolean(g.process?.versions?.node), baseUrl: g.document?.baseURI ?? g.location?.href };
}

const isUrl = (s: string) => /^(https?|file|blob|data):/i.test(s);

/** A URL to fetch, or (in Node only) a file path. */
export function locate(source: string | URL, host: SourceHost = currentHost()): string | URL {
  if (source instanceof URL) return source;
  if (isUrl(source)) return new URL(source);
  if (host.node) return source;
  if (!host.baseUrl) {
    throw new TokenizerLoadError(source, 'outside Node a string is a URL, and there is no page URL to resolve it against; pass an absolute URL');
  }
  return new URL(source, host.baseUrl);
}

/** `dir` + `/` + `file`, as a path or a URL (see `locate`). */
export function joinLocation(dir: string | URL, file: string, host: SourceHost = currentHost()): string | URL {
  const base = locate(dir, host);
  if (base instanceof URL) return new URL(file, base.href.endsWith('/') ? base.href : `${base.href}/`);
  return `${base.replace(/[\\/]+$/, '')}/${file}`;
}

export interface ReadOptions {
  /** Used instead of `globalThis.fetch` for URLs. */
  readonly fetch?: typeof fetch;
  readonly host?: SourceHost;
}

/** Reads a text file or URL; errors name what was tried (the resolved URL and the string it came from). */
export async function readSource(source: string | URL, options: ReadOptions = {}): Promise<string> {
  return (await read(source, options, false))!;
}

/** Like `readSource`, but a missing file (ENOENT, HTTP 404) is `null`. */
export function readOptionalSource(source: string | URL, options: ReadOptions = {}): Promise<string | null> {
  return read(source, options, true);
}

async function read(source: string | URL, options: ReadOptions, optional: boolean): Promise<string | null> {
  const host = options.host ?? currentHost();
  const located = locate(source, host);
  if (located instanceof URL && !(host.node && located.protocol === 'file:')) {
    const where = typeof source === 'string' && located.href !== source ? `${located.href} (from "${source}")` : located.href;
    return fetchText(located, where, options.fetch ?? globalThis.fetch, optional);
  }
  const fs = await nodeFs(String(located));
  try {
    return await fs.readFile(located, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TokenizerLoadError(String(located), (error as Error).message, { cause: error });
  }
}

async function nodeFs(where: string): Promise<typeof import('node:fs/promises')> {
  try {
    return await importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
  } catch (error) {
    throw new TokenizerLoadError(where, 'reading files needs Node.js', { cause: error });
  }
}

async function fetchText(url: URL, where: string, fetchImpl: typeof fetch, optional: boolean): Promise<string | null> {
  if (typeof fetchImpl !== 'function') throw new TokenizerLoadError(where, 'no fetch() available');
  let response: Response;
  try {
    response = await fetchImpl(url.href);
  } catch (error) {
    throw new TokenizerLoadError(where, (error as Error).message, { cause: error });
  }
  if (optional && response.status === 404) return null;
  if (!response.ok) throw new TokenizerLoadError(where, `HTTP ${response.status} ${response.statusText}`.trimEnd());
  return response.text();
}
