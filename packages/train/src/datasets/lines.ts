import { InputError, LoadError } from '@attnjs/core';
import { importNodeBuiltin } from '@attnjs/core/internal';

type NodeFs = typeof import('node:fs');
type NodeReadline = typeof import('node:readline');

/** A line of a dataset file is malformed; `file` and `line` (1-based) say where. */
export class DatasetError extends InputError {
  override name = 'DatasetError';
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** One row read from a dataset file: its fields and where it came from (for errors further down). */
export interface DatasetRow {
  readonly file: string;
  /** 1-based line of the row (a paragraph's first line). */
  readonly line: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * The lines of a UTF-8 file, streamed (Node's readline over a read stream: the file is never held
 * whole), with 1-based numbers. Line ends are \n, \r\n or \r; a byte-order mark at the start is dropped.
 */
export async function* readLines(file: string): AsyncGenerator<{ text: string; line: number }> {
  if (typeof file !== 'string' || file === '') throw new InputError(`dataset file must be a path, got ${JSON.stringify(file)}`);
  const fs = await importNodeBuiltin<NodeFs>('node:fs');
  const readline = await importNodeBuiltin<NodeReadline>('node:readline');
  const input = fs.createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      yield { text: line === 1 && text.startsWith('\uFEFF') ? text.slice(1) : text, line };
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error) throw new LoadError(`cannot read dataset file ${file}: ${error.message}`);
    throw error;
  } finally {
    lines.close();
    input.destroy();
  }
}
