/**
 * tfjs-core registers no gradients itself (the `@tensorflow/tfjs` union package does this import).
 * This subpath is ESM with extension-less imports, which plain Node cannot load, so tsup bundles it
 * (see tsup.config.ts) while tfjs-core itself stays external. Its gradient configs land in tfjs's
 * global registry, which every copy of tfjs-core shares.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
