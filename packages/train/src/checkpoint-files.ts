/**
 * A training checkpoint is a folder: the model as Hugging Face saves it (config.json, model.safetensors),
 * the optimiser moments (optimizer.safetensors) and trainer_state.json (step, RNG, schedule, options,
 * evaluation progress with early stopping's counts).
 * Folders are written whole or not at all: files go into a temporary sibling folder, are fsynced, and the
 * folder is renamed into place, so a crash mid-save leaves the previous checkpoint as it was.
 */
import {
  type HostTensor,
  LoadError,
  readSafetensors,
  serializeSafetensors,
} from '@attnjs/core';
import { importNodeBuiltin } from '@attnjs/core/internal';

type NodeFs = typeof import('node:fs/promises');
type NodePath = typeof import('node:path');

export const MODEL_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'trainer_state.json';
/** `checkpoint-<step>`, as the Hugging Face Trainer names its checkpoint folders. */
const CHECKPOINT_NAME = /^checkpoint-(\d+)$/;

export interface CheckpointContents {
  readonly model: ReadonlyMap<string, HostTensor>;
  readonly optimizer: ReadonlyMap<string, HostTensor>;
  readonly state: Record<string, unknown>;
  /** config.json contents; omitted when the trainer was given none. */
  readonly config?: Record<string, unknown>;
}

/** Writes a checkpoint folder atomically (see the module comment). Node only. */
export async function writeCheckpointFolder(dir: string, contents: CheckpointContents): Promise<void> {
  const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
  const path = await importNodeBuiltin<NodePath>('node:path');
  const target = path.resolve(dir);
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = `${target}.tmp-${stamp}`;
  const files: [string, Uint8Array | string][] = [
    [MODEL_FILE, serializeSafetensors(new Map(contents.model), { format: 'pt' })],
    [OPTIMIZER_FILE, serializeSafetensors(new Map(contents.optimizer))],
    [STATE_FILE, `${JSON.stringify(contents.state, null, 2)}\n`],
  ];
  if (contents.config) files.push([CONFIG_FILE, `${JSON.stringify(contents.config, null, 2)}\n`]);
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.mkdir(tmp);
    for (const [name, bytes] of files) await writeDurably(fs, path.join(tmp, name), bytes);
    await syncFolder(fs, tmp);
    const previous = await exists(fs, target) ? `${target}.old-${stamp}` : undefined;
    // Re-saving the same folder: move the old one aside first; only the renames are not atomic as a pair,
    // and until the second one completes the old folder is still whole under its .old name.
    if (previous) await fs.rename(target, previous);
    await fs.rename(tmp, target);
    await syncFolder(fs, path.dirname(target));
    if (previous) await fs.rm(previous, { recursive: true, force: true });
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw new LoadError(`could not write checkpoint ${target}`, { cause: error });
  }
}

/** Reads a checkpoint folder written by `writeCheckpointFolder`. */
export async function readCheckpointFolder(dir: string): Promise<CheckpointContents> {
  const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
  const path = await importNodeBuiltin<NodePath>('node:path');
  const tensors = async (file: string) =>
    new Map([...(await readSafetensors(path.join(dir, file))).tensors].map(([name, t]) => [name, t.tensor] as const));
  const json = async (file: string) => {
    try {
      return JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new LoadError(`could not read ${path.join(dir, file)}`, { cause: error });
    }
  };
  const config = (await exists(fs, path.join(dir, CONFIG_FILE))) ? await json(CONFIG_FILE) : undefined;
  return { model: await tensors(MODEL_FILE), optimizer: await tensors(OPTIMIZER_FILE), state: await json(STATE_FILE), config };
}

/** The `checkpoint-<step>` folder under `outputDir` with the highest step, or undefined when there is none. */
export async function latestCheckpoint(outputDir: string): Promise<string | undefined> {
  const fs = await importNodeBuiltin<NodeFs>('node:fs/promises');
  const path = await importNodeBuiltin<NodePath>('node:path');
  let names: string[];
  try {
    names = await fs.readdir(outputDir);
  } catch {
    return undefined;
  }
  // Temporary and set-aside folders have suffixes, so only completed renames match.
  const steps = names.map((n) => CHECKPOINT_NAME.exec(n)).filter((m) => m !== null).map((m) => Number(m[1]));
  return steps.length ? path.join(outputDir, `checkpoint-${Math.max(...steps)}`) : undefined;
}

async function writeDurably(fs: NodeFs, file: string, bytes: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync of a folder makes the names in it durable (Linux, macOS); elsewhere it may be refused, harmlessly. */
async function syncFolder(fs: NodeFs, dir: string): Promise<void> {
  let handle: Awaited<ReturnType<NodeFs['open']>> | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open folders; the renames are still atomic there.
  } finally {
    await handle?.close();
  }
}

async function exists(fs: NodeFs, file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}
