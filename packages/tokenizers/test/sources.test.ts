/**
 * In a browser a string is a URL relative to the page; in Node it is a file path. The page is simulated
 * by passing the host explicitly; a loopback server plays the web server.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenizerLoadError } from '../src/errors.js';
import { readDirectory } from '../src/loaders.js';
import { locate, readSource, type SourceHost } from '../src/sources.js';
import { TESTDATA } from './fixtures.js';

const page = (baseUrl: string): SourceHost => ({ node: false, baseUrl });

/** URL path → file under testdata/. A WordPiece folder without tokenizer.json exercises the 404 fallbacks. */
const SERVED: Record<string, string> = {
  '/models/gpt2/tokenizer.json': 'gpt2-hf-fake/tokenizer.json',
  '/models/gpt2/tokenizer_config.json': 'gpt2-hf-fake/tokenizer_config.json',
  '/models/bert/vocab.txt': 'bert-vocab/vocab.txt',
  '/models/bert/tokenizer_config.json': 'bert-vocab/tokenizer_config.json',
};

let server: Server;
let origin: string;
const requested: string[] = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    requested.push(request.url!);
    const file = SERVED[request.url!];
    if (file) response.end(readFileSync(`${TESTDATA}${file}`));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a string outside Node', () => {
  it('is a URL relative to the page', () => {
    const host = page('https://app.example/tools/index.html');
    expect(locate('/models/gpt2/tokenizer.json', host)).toEqual(new URL('https://app.example/models/gpt2/tokenizer.json'));
    expect(locate('models/gpt2', host)).toEqual(new URL('https://app.example/tools/models/gpt2'));
    expect(locate('testdata/gpt2', { node: true })).toBe('testdata/gpt2');
  });

  it('loads a model folder given as a root-relative path', async () => {
    const found = await readDirectory('/models/gpt2', { host: page(`${origin}/app/`) });
    expect(found.tokenizerJson).toBe(readFileSync(`${TESTDATA}gpt2-hf-fake/tokenizer.json`, 'utf8'));
  });

  it('loads a folder without tokenizer.json from a page-relative path, treating 404s as absent files', async () => {
    requested.length = 0;
    const found = await readDirectory('../models/bert/', { host: page(`${origin}/app/index.html`) });
    expect(found.vocab).toBe(readFileSync(`${TESTDATA}bert-vocab/vocab.txt`, 'utf8'));
    expect(found.merges).toBeNull();
    expect(requested).toContain('/models/bert/tokenizer.json'); // tried, 404, moved on
  });

  it('says which URL it tried, and from which string', async () => {
    const attempt = readSource('/models/missing/tokenizer.json', { host: page(`${origin}/app/`) });
    await expect(attempt).rejects.toBeInstanceOf(TokenizerLoadError);
    await expect(attempt).rejects.toThrow(`cannot load ${origin}/models/missing/tokenizer.json (from "/models/missing/tokenizer.json"): HTTP 404`);
  });

  it('needs a page to resolve against', () => {
    expect(() => locate('models/x', { node: false })).toThrow(TokenizerLoadError);
  });
});
