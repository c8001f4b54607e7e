import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import { expect, it } from 'vitest';
import * as tokenizers from '../src/index.js';
import { TESTDATA } from './fixtures.js';

// The README opens with an example; it must run and print what its `// →` comments say.

it('the README example runs and prints what it says', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme)![1];
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(11);
  const expected = [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]);
  const body = code
    .replace(/^import .*$/m, '')
    .replaceAll("'testdata/", `'${TESTDATA}`);
  const printed: string[] = [];
  const run = new Function('Tokenizer', 'console', `return (async () => {${body}})();`);
  await run(tokenizers.Tokenizer, { log: (...args: unknown[]) => printed.push(format(...args)) });
  expect(printed).toEqual(expected);
});
