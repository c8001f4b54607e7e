import { copyFile } from 'node:fs/promises';
import { type Options, defineConfig } from 'tsup';

/** The build every @attnjs package shares: ESM + .d.ts from src/index.ts. */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    // Keep `node:` specifiers: without the prefix, browser bundlers mistake built-ins for packages.
    removeNodeProtocol: false,
    // One LICENSE at the root; each package ships a copy (package.json `files`), made at build time.
    onSuccess: () => copyFile('../../LICENSE', 'LICENSE'),
    ...overrides,
  });
}
