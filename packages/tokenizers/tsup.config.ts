import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Keep `node:` specifiers: browser bundlers recognise them as Node built-ins, which this package
  // only reaches through dynamic import() in its file loaders.
  removeNodeProtocol: false,
  // Keep `node:` specifiers: without the prefix, browser bundlers mistake built-ins for packages.
  removeNodeProtocol: false,
});
