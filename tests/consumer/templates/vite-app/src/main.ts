// The consumer Vite app's page: runs the READMEs' opening examples (src/examples/, written by the test),
// records what each console.log call prints, and what minified errors are called. The test reads
// `window.attnjsResults` once `done` is true.
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { AttnError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { Tokenizer, TokenizerError } from '@attnjs/tokenizers';
import * as ort from 'onnxruntime-web';
import { examples } from './examples.ts';

// The app's own onnxruntime-web, configured as the backend-ort README says for a page. If the backend
// used another copy, this setting would not reach it and the .wasm would come from elsewhere.
ort.env.wasm.wasmPaths = '/ort-wasm/';

interface CaughtError {
  readonly name: string;
  readonly isAttnError: boolean;
  readonly isTokenizerError: boolean;
  readonly message: string;
}

interface Results {
  readonly printed: Record<string, unknown[][]>;
  readonly failures: Record<string, string>;
  readonly errors: Record<string, CaughtError | null>;
  done: boolean;
}

const results: Results = { printed: {}, failures: {}, errors: {}, done: false };
(window as unknown as { attnjsResults: Results }).attnjsResults = results;

/** Typed arrays leave the page as `{ $typed, values }` (the test rebuilds them). */
function serialize(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return { $typed: value.constructor.name, values: Array.from(value as unknown as ArrayLike<number>) };
  }
  return Array.isArray(value) ? value.map(serialize) : value;
}

async function caught(attempt: () => Promise<unknown>): Promise<CaughtError | null> {
  try {
    await attempt();
    return null;
  } catch (error) {
    const e = error as Error;
    return { name: e.name, isAttnError: e instanceof AttnError, isTokenizerError: e instanceof TokenizerError, message: String(e.message) };
  }
}

const log = console.log.bind(console);
for (const [id, load] of Object.entries(examples)) {
  const printed: unknown[][] = [];
  results.printed[id] = printed;
  console.log = (...args: unknown[]) => {
    printed.push(args.map(serialize));
    log(...args);
  };
  try {
    await load();
  } catch (error) {
    results.failures[id] = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
  }
}
console.log = log;

const backend = await createTfjsBackend({ device: 'cpu' });
// Root-relative strings too (the READMEs use './testdata/…' and 'testdata/…'): null when they load.
results.errors.rootRelativeModel = await caught(async () => (await GPT2LMHeadModel.fromPretrained('/testdata/gpt2-tiny/', { backend })).dispose());
results.errors.rootRelativeTokenizer = await caught(() => Tokenizer.fromUrl('/testdata/bert-vocab/tokenizer.json'));
results.errors.config = await caught(() => GPT2LMHeadModel.fromPretrained('./testdata/no-such-model/', { backend }));
results.errors.tokenizer = await caught(async () => Tokenizer.fromJSON({ model: { type: 'Unigram', vocab: [] } }));
await backend.dispose();
results.done = true;
