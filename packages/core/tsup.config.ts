import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Keep `node:` specifiers: without the prefix, browser bundlers mistake built-ins for packages.
  removeNodeProtocol: false,
});
