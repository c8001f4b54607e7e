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
  // Only the gradient registrations are bundled (plain Node cannot import that subpath); tfjs-core,
  // its backends and the optional webgl/webgpu peers stay external.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
