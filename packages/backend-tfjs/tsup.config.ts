import { packageBuild } from '../../tsup.base';

export default packageBuild({
  // Only the gradient registrations are bundled (plain Node cannot import that subpath); tfjs-core,
  // its backends and the optional webgl/webgpu peers stay external.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
