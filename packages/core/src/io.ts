import { LoadError } from './errors.js';

/** A file path (Node), a URL (fetch), or bytes already in memory. */
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

/** Joins a directory path or URL with a file name. */
export function joinSource(dir: string | URL, file: string): string | URL {
  if (dir instanceof URL || isUrl(dir)) {
    const base = String(dir);
    return new URL(file, base.endsWith('/') ? base : `${base}/`);
  }
  return dir.endsWith('/') ? dir + file : `${dir}/${file}`;
}

export function describeSource(source: Source): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  return `<${source.byteLength} bytes>`;
}

/** Reads all bytes of a source. Paths need Node; URLs use fetch (file: URLs read from disk in Node). */
export async function readBytes(source: Source): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const where = describeSource(source);
  const url = source instanceof URL ? source : isUrl(source) ? new URL(source) : undefined;
  try {
    if (url && url.protocol !== 'file:') {
      const response = await fetch(url);
      if (!response.ok) throw new LoadError(`could not fetch ${where}: HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    }
    const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
    return new Uint8Array(await fs.readFile(url ?? (source as string)));
  } catch (error) {
    if (error instanceof LoadError) throw error;
    const code = (error as { code?: string }).code;
    throw new LoadError(`could not read ${where}${code ? ` (${code})` : ''}`, { cause: error });
  }
}

/** Reads a source as UTF-8 text. */
export async function readText(source: Source): Promise<string> {
  return new TextDecoder().decode(await readBytes(source));
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
