/**
 * The READMEs' opening examples, as the consumer apps run them: the code of each README's first ```ts or
 * ```js block, and what its comments say each `console.log` prints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

export interface ReadmeExample {
  /** A file-name-safe id: `root`, `core`, `gpt`, … */
  readonly id: string;
  readonly readme: string;
  /** The block's language, and the extension the apps give its file: a ```js example is type-checked as JS. */
  readonly lang: 'ts' | 'js';
  readonly code: string;
  /** Per `console.log` call, in order: the value its comment shows, or null when it shows none. */
  readonly expected: readonly (string | null)[];
}

/** The READMEs with an opening example, by id; paths relative to the repository root. */
export const READMES: Readonly<Record<string, string>> = {
  root: 'README.md',
  core: 'packages/core/README.md',
  gpt: 'packages/gpt/README.md',
  bert: 'packages/bert/README.md',
  'backend-tfjs': 'packages/backend-tfjs/README.md',
  'backend-ort': 'packages/backend-ort/README.md',
  tokenizers: 'packages/tokenizers/README.md',
};

export function readmeExample(repo: string, id: string): ReadmeExample {
  const readme = READMES[id]!;
  const text = readFileSync(join(repo, readme), 'utf8');
  const block = /```(ts|js)\n([\s\S]*?)```/.exec(text);
  if (block === null) throw new Error(`${readme} has no \`\`\`ts or \`\`\`js example`);
  const [, lang, code] = block as unknown as [string, 'ts' | 'js', string];
  const expected = code
    .split('\n')
    .filter((line) => line.includes('console.log('))
    .map((line) => /\/\/ (?:[^→]*→ )?(.*)$/.exec(line)?.[1] ?? null);
  return { id, readme, lang, code, expected };
}

/**
 * Whether `printed` (what `console.log` wrote, util.format style) is what the comment `shown` says: the
 * READMEs' convention (tests/readmes.test.ts) is `// remark → value`, exact, where `…` stands for more
 * non-space characters (`6.9…` is 6.9 with further digits).
 */
export function showsPrinted(shown: string, printed: string): boolean {
  const pattern = shown
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\S*');
  return new RegExp(`^${pattern}$`).test(printed);
}

/** A checked example's outcome, as one line per `console.log` for a readable failure. */
export function compareExample(example: ReadmeExample, printed: readonly string[]): string[] {
  const problems: string[] = [];
  if (printed.length !== example.expected.length) {
    problems.push(`${example.readme}: ${example.expected.length} console.log calls, ${printed.length} printed: ${JSON.stringify(printed)}`);
  }
  example.expected.forEach((shown, i) => {
    const got = printed[i];
    if (shown !== null && (got === undefined || !showsPrinted(shown, got))) {
      problems.push(`${example.readme}: console.log #${i + 1} printed ${JSON.stringify(got)}, the README shows ${JSON.stringify(shown)}`);
    }
  });
  return problems;
}

/** Typed arrays survive the trip out of a page as `{ $typed, values }`; rebuilt here for util.format. */
export function formatSerialized(args: readonly unknown[]): string {
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v !== null && typeof v === 'object' && '$typed' in v) {
      const { $typed, values } = v as { $typed: string; values: number[] };
      const Ctor = (globalThis as Record<string, unknown>)[$typed] as new (values: number[]) => unknown;
      return new Ctor(values);
    }
    return v;
  };
  return format(...args.map(revive));
}
