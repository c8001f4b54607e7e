import { packageBuild } from '../../tsup.base';

// `internal` is the subpath the other attn.js packages import their shared helpers from.
export default packageBuild({ entry: ['src/index.ts', 'src/internal.ts'] });
