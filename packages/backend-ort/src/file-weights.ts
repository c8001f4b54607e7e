/**
 * onnxruntime-node reads a model's F32 weights straight from the model.safetensors they were loaded from:
 * each initializer is ONNX external data (location, offset, length) pointing into the file, so the session's
 * ModelProto holds no weight bytes and ONNX Runtime maps or packs the file's bytes itself, instead of
 * copying them out of a serialised model that was itself a copy of the host arrays.
 *
 * A parameter qualifies when its host array is a view of a recorded file read (`fileRegionOf`: an F32
 * tensor of a local file read by `readSafetensors`, little-endian, 4-byte aligned) and, when a session is
 * built, the file still holds those bytes (same size and mtime, and the same contents as the host array).
 * Everything else (F16/BF16 checkpoints, weights from a URL or from bytes, assigned or edited arrays, a
 * second folder) is embedded as before. With `hostWeights: 'release'` the host arrays of parameters that
 * ONNX Runtime reads from the file are dropped once a session holds them.
 */
import { BackendError, type Parameter } from '@attnjs/core';
import { type FileRegion, fileRegionOf, importNodeBuiltin } from '@attnjs/core/internal';
import type { OnnxExternalData } from './proto/onnx.js';

export type HostWeights = 'keep' | 'release';

type NodeFs = typeof import('node:fs/promises');
type FileHandle = Awaited<ReturnType<NodeFs['open']>>;
type Compare = (a: Uint8Array, b: Uint8Array) => number;

/** Bytes compared per read when checking a file against the host arrays. */
const CHUNK = 8 << 20;

/** Where the last path separator is ('/' or, on Windows, '\\'). */
const lastSeparator = (path: string) => Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
const basename = (path: string) => path.slice(lastSeparator(path) + 1);
const folderOf = (path: string) => path.slice(0, lastSeparator(path)) || path.slice(0, 1);
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** One session's choice: which parameters are read from which folder's file. */
export interface WeightPlan {
  readonly folder?: string;
  readonly externalWeights: (p: Parameter) => OnnxExternalData | undefined;
}

export class FileWeights {
  /** Parameters whose host copy this backend released, and where their bytes are. */
  private readonly released = new WeakMap<Parameter, FileRegion>();

  constructor(
    readonly hostWeights: HostWeights,
    private readonly backendName: string,
  ) {}

  /** Where `p`'s bytes are on disk, if ONNX Runtime may read them from there. */
  private regionOf(p: Parameter): FileRegion | undefined {
    const released = this.released.get(p);
    if (released) return released;
    return p.hasHostValue ? fileRegionOf(p.value.data) : undefined;
  }

  /** File-backed parameters become external data, from one folder (the first one a parameter names); `except` are embedded. */
  plan(except: ReadonlySet<Parameter> = new Set()): WeightPlan {
    let folder: string | undefined;
    const externalWeights = (p: Parameter): OnnxExternalData | undefined => {
      const region = except.has(p) ? undefined : this.regionOf(p);
      if (!region) return undefined;
      folder ??= folderOf(region.path);
      if (folderOf(region.path) !== folder) return undefined;
      return { location: basename(region.path), offset: region.offset, length: region.length };
    };
    return {
      get folder() {
        return folder;
      },
      externalWeights,
    };
  }

  /**
   * The parameters in `params` whose file no longer holds their host bytes (they must be embedded).
   * A released parameter has no host bytes to embed, so its file having changed is an error.
   */
  async stale(params: ReadonlySet<Parameter>): Promise<Set<Parameter>> {
    const byPath = new Map<string, [Parameter, FileRegion][]>();
    for (const p of params) {
      const region = this.regionOf(p);
      if (region) byPath.set(region.path, [...(byPath.get(region.path) ?? []), [p, region]]);
    }
    const stale = new Set<Parameter>();
    const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
    const { Buffer } = await importNodeBuiltin<typeof import('node:buffer')>('node:buffer');
    for (const [path, members] of byPath) {
      for (const p of await this.staleInFile(fs, Buffer.compare, path, members)) stale.add(p);
    }
    return stale;
  }

  private async staleInFile(fs: NodeFs, compare: Compare, path: string, members: readonly [Parameter, FileRegion][]): Promise<Parameter[]> {
    const all = members.map(([p]) => p);
    let file: FileHandle;
    try {
      file = await fs.open(path, 'r');
    } catch {
      this.refuseReleased(path, members, 'can no longer be read');
      return all;
    }
    try {
      const info = await file.stat();
      const [, first] = members[0]!;
      if (info.size !== first.fileSize || info.mtimeMs !== first.mtimeMs) {
        this.refuseReleased(path, members, 'has changed since it was loaded');
        return all;
      }
      const scratch = new Uint8Array(Math.min(CHUNK, Math.max(...members.map(([, r]) => r.length))));
      const stale: Parameter[] = [];
      for (const [p, region] of members) {
        if (this.released.has(p)) continue; // nothing on the host to compare; size and mtime matched
        if (!(await sameBytes(file, region, bytesOf(p.value.data), scratch, compare))) stale.push(p);
      }
      return stale;
    } finally {
      await file.close();
    }
  }

  private refuseReleased(path: string, members: readonly [Parameter, FileRegion][], what: string): void {
    if (members.some(([p]) => this.released.has(p))) {
      throw new BackendError(
        `${this.backendName}: ${path} ${what}, and the host copies of weights read from it were released (hostWeights: 'release'); load the model again`,
      );
    }
  }

  /**
   * After a session holds them: drops the host arrays of the parameters it reads from the file
   * (`hostWeights: 'release'`), and copies out the other parameters' arrays that are views of a file's
   * buffer, so that nothing keeps the file's bytes alive.
   */
  releaseHost(external: ReadonlySet<Parameter>, all: readonly Parameter[], names: ReadonlyMap<Parameter, string>): void {
    if (this.hostWeights !== 'release') return;
    for (const p of all) {
      if (this.released.has(p) || !p.hasHostValue) continue;
      const region = fileRegionOf(p.value.data);
      if (!region) continue;
      if (!external.has(p)) {
        p.value = { ...p.value, data: p.value.data.slice() };
        continue;
      }
      this.released.set(p, region);
      const name = names.get(p) ?? `of shape [${p.shape.join(', ')}]`;
      p.releaseHostValue(
        `parameter "${name}" has no host copy: ${this.backendName} reads it from ${region.path} (bytes ${region.offset}…${region.offset + region.length}) ` +
          "and released the host array (createOrtBackend({ hostWeights: 'release' })); use hostWeights: 'keep' to read parameter values",
      );
    }
  }
}

/** Whether the file holds `host` at `region`, read a chunk at a time (so the check holds no second copy). */
async function sameBytes(file: FileHandle, region: FileRegion, host: Uint8Array, scratch: Uint8Array, compare: Compare): Promise<boolean> {
  for (let at = 0; at < region.length; at += scratch.length) {
    const n = Math.min(scratch.length, region.length - at);
    const { bytesRead } = await file.read(scratch, 0, n, region.offset + at);
    if (bytesRead !== n || compare(scratch.subarray(0, n), host.subarray(at, at + n)) !== 0) return false;
  }
  return true;
}
