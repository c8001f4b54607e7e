/**
 * Where in a file a host array's bytes came from. `readSafetensors` records the buffer it read a local
 * file into; F32 tensors are views of that buffer, so an engine that can read weights from disk (ONNX
 * Runtime's external data) can point at the file instead of copying the array. Nothing is recorded for
 * fetched URLs, bytes passed in, or outside Node.
 */
import { currentHost, importNodeBuiltin, type Source } from './io.js';

/** A region of a file on disk, and the file's size and modification time when it was read. */
export interface FileRegion {
  /** Absolute path. */
  readonly path: string;
  /** Byte offset of the region in the file. */
  readonly offset: number;
  readonly length: number;
  readonly fileSize: number;
  readonly mtimeMs: number;
}

interface FileRead {
  readonly path: string;
  /** Where the file's byte 0 sits in the buffer. */
  readonly start: number;
  readonly fileSize: number;
  readonly mtimeMs: number;
}

const reads = new WeakMap<ArrayBufferLike, FileRead>();

/**
 * Records that `bytes` hold the whole file `source` (a Node path or file: URL); anything else, or a file
 * whose size is not `bytes`' length (changed while it was read), records nothing.
 */
export async function recordFileRead(source: Source, bytes: Uint8Array): Promise<void> {
  if (!currentHost().node || bytes.byteOffset % 4 !== 0) return;
  let local: string | undefined;
  if (typeof source === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(source)) local = source;
  else if (source instanceof URL || typeof source === 'string') {
    const url = new URL(source);
    if (url.protocol === 'file:') local = (await importNodeBuiltin<typeof import('node:url')>('node:url')).fileURLToPath(url);
  }
  if (local === undefined) return;
  const [{ resolve }, { stat }] = await Promise.all([
    importNodeBuiltin<typeof import('node:path')>('node:path'),
    importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises'),
  ]);
  const path = resolve(local);
  const info = await stat(path);
  if (info.size !== bytes.byteLength) return;
  reads.set(bytes.buffer, { path, start: bytes.byteOffset, fileSize: info.size, mtimeMs: info.mtimeMs });
}

/** The file region `view`'s bytes were read from, if its buffer holds a recorded file read. */
export function fileRegionOf(view: ArrayBufferView): FileRegion | undefined {
  const read = reads.get(view.buffer);
  if (!read) return undefined;
  const offset = view.byteOffset - read.start;
  if (offset < 0 || offset + view.byteLength > read.fileSize) return undefined;
  return { path: read.path, offset, length: view.byteLength, fileSize: read.fileSize, mtimeMs: read.mtimeMs };
}
