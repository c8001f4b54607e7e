/**
 * Where a string source points: a file path in Node, a URL everywhere else (resolved against the page,
 * as `fetch` would). The browser side is simulated by passing the host explicitly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadError } from '../src/errors.js';
import { joinSource, locateSource, readBytes, readText, type SourceHost } from '../src/io.js';

const page = (baseUrl: string): SourceHost => ({ node: false, baseUrl });
const NODE: SourceHost = { node: true };

describe('locateSource', () => {
  const host = page('https://app.example/tools/index.html');

  it('resolves strings against the page outside Node', () => {
    expect(locateSource('/models/gpt2-tiny/config.json', host)).toEqual(new URL('https://app.example/models/gpt2-tiny/config.json'));
    expect(locateSource('models/gpt2-tiny', host)).toEqual(new URL('https://app.example/tools/models/gpt2-tiny'));
    expect(locateSource('../models/x', host)).toEqual(new URL('https://app.example/models/x'));
  });

  it('keeps absolute URLs and URL objects as they are', () => {
    expect(locateSource('https://cdn.example/m/config.json', host)).toEqual(new URL('https://cdn.example/m/config.json'));
    const url = new URL('https://cdn.example/m/');
    expect(locateSource(url, host)).toBe(url);
  });

  it('keeps strings as file paths in Node', () => {
    expect(locateSource('/models/gpt2-tiny', NODE)).toBe('/models/gpt2-tiny');
    expect(locateSource('testdata/gpt2-tiny', NODE)).toBe('testdata/gpt2-tiny');
  });

  it('names the string when there is no page to resolve it against', () => {
    expect(() => locateSource('models/x', { node: false })).toThrow(LoadError);
    expect(() => locateSource('models/x', { node: false })).toThrow(/"models\/x".*absolute URL/);
  });
});

describe('joinSource', () => {
  it('joins a page-relative folder and a file name into one URL', () => {
    const host = page('https://app.example/tools/');
    expect(joinSource('/models/gpt2-tiny', 'config.json', host)).toEqual(new URL('https://app.example/models/gpt2-tiny/config.json'));
    expect(joinSource('/models/gpt2-tiny/', 'config.json', host)).toEqual(new URL('https://app.example/models/gpt2-tiny/config.json'));
    expect(joinSource('gpt2-tiny', 'model.safetensors', host)).toEqual(new URL('https://app.example/tools/gpt2-tiny/model.safetensors'));
  });

  it('joins paths in Node', () => {
    expect(joinSource('testdata/gpt2-tiny', 'config.json', NODE)).toBe('testdata/gpt2-tiny/config.json');
    expect(joinSource('testdata/gpt2-tiny/', 'config.json', NODE)).toBe('testdata/gpt2-tiny/config.json');
  });
});

describe('readBytes outside Node', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/models/tiny/config.json') response.end('{"n_layer": 2}');
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches a root-relative and a page-relative string from the page origin', async () => {
    const host = page(`${origin}/app/index.html`);
    expect(await readText('/models/tiny/config.json', host)).toBe('{"n_layer": 2}');
    expect(await readText('../models/tiny/config.json', host)).toBe('{"n_layer": 2}');
  });

  it('says which URL it tried, and from which string', async () => {
    const attempt = readBytes('/models/missing/config.json', page(`${origin}/app/`));
    await expect(attempt).rejects.toThrow(LoadError);
    await expect(attempt).rejects.toThrow(`could not fetch ${origin}/models/missing/config.json (from "/models/missing/config.json"): HTTP 404`);
  });

  it('still reads a file path from disk in Node', async () => {
    const path = new URL('../package.json', import.meta.url).pathname;
    expect(JSON.parse(await readText(path, NODE)).name).toBe('@attnjs/core');
  });
});
