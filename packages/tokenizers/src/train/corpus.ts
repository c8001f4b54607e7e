import { importNodeBuiltin } from '../loaders.js';
import { TokenizerLoadError } from '../errors.js';
import { TrainerOptionError } from './errors.js';

/**
 * Training text. A string is read like the content of a file (split into lines, line endings kept,
 * as HF's `train(files)` does); an iterable or async iterable yields one sequence per item, as HF's
 * `train_from_iterator` does. The split matters for byte-level BPE: "\n" is a word of its own.
 */
export type TrainingCorpus = string | Iterable<string> | AsyncIterable<string>;

export async function* sequencesOf(corpus: TrainingCorpus): AsyncGenerator<string> {
  if (typeof corpus === 'string') {
    yield* linesWithEndings(corpus);
    return;
  }
  if (corpus != null && typeof (corpus as AsyncIterable<string>)[Symbol.asyncIterator] === 'function') {
    for await (const item of corpus as AsyncIterable<string>) yield checkedItem(item);
    return;
  }
  if (corpus != null && typeof (corpus as Iterable<string>)[Symbol.iterator] === 'function') {
    for (const item of corpus as Iterable<string>) yield checkedItem(item);
    return;
  }
  throw new TrainerOptionError('corpus', 'a string, an iterable or an async iterable of strings', corpus);
}

function checkedItem(item: unknown): string {
  if (typeof item !== 'string') throw new TrainerOptionError('corpus', 'an iterable of strings', item);
  return item;
}

/** Lines of `text`, each with its "\n" (a "\r" before it stays in the line, as in HF). */
export function* linesWithEndings(text: string): Generator<string> {
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end < 0) break;
    yield text.slice(start, end + 1);
    start = end + 1;
  }
  if (start < text.length) yield text.slice(start);
}

/**
 * Lines of one or more files (Node only; `node:fs` is imported on first use so the package still
 * bundles for browsers). Streams the file: a corpus larger than memory is fine.
 */
export async function* fileLines(paths: string | readonly string[]): AsyncGenerator<string> {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== 'string')) {
    throw new TrainerOptionError('paths', 'a file path or a non-empty array of file paths', paths);
  }
  const { createReadStream } = await importNodeBuiltin<typeof import('node:fs')>('node:fs');
  for (const path of list) {
    let rest = '';
    const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    const chunks = (stream as AsyncIterable<string>)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw new TokenizerLoadError(path, (error as Error).message, { cause: error });
      }
      if (next.done) break;
      const text = rest + next.value;
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline < 0) {
        rest = text;
        continue;
      }
      yield* linesWithEndings(text.slice(0, lastNewline + 1));
      rest = text.slice(lastNewline + 1);
    }
    if (rest.length > 0) yield rest;
  }
}
