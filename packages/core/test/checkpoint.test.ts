/** The checkpoint-matching rules of `loadParameters`, on a two-layer toy model with a tied head. */
import { describe, expect, it } from 'vitest';
import { LEGACY_LAYER_NORM_RENAMES, loadParameters, summarizeKeys } from '../src/checkpoint.js';
import { ConfigReader } from '../src/config.js';
import { ConfigError, MissingTensorError, UnusedWeightsError } from '../src/errors.js';
import type { HostTensor } from '../src/host.js';
import { LayerNorm } from '../src/layers/norm.js';
import { Module, ModuleList, Parameter } from '../src/module.js';

class Toy extends Module {
  readonly layers: ModuleList<LayerNorm>;
  constructor(layers: number) {
    super();
    this.layers = this.child('base.layers', new ModuleList(Array.from({ length: layers }, () => new LayerNorm(2, 1e-5))));
    this.alias('head.weight', this.layers.items[0]!.weight);
  }
}

const t = (...values: number[]): HostTensor<'float32'> => ({ dtype: 'float32', shape: [values.length], data: Float32Array.from(values) });
const checkpoint = (layers: number, extra: Record<string, HostTensor> = {}) =>
  new Map<string, HostTensor>([
    ...Array.from({ length: layers }, (_, i) => [
      [`base.layers.${i}.weight`, t(i, 1)],
      [`base.layers.${i}.bias`, t(i, 2)],
    ]).flat() as [string, HostTensor][],
    ...Object.entries(extra),
  ]);
const SPEC = { basePrefix: 'base.', renames: LEGACY_LAYER_NORM_RENAMES, ignore: [/\.buffer$/] };

describe('loadParameters', () => {
  it('fills every parameter and sorts the leftovers: other heads, ignored, unused', () => {
    const model = new Toy(2);
    const report = loadParameters(model, checkpoint(2, { 'other.weight': t(1), 'base.layers.0.buffer': t(1) }), SPEC);
    expect(report).toEqual({ otherHeadKeys: ['other.weight'], ignoredKeys: ['base.layers.0.buffer'], unusedKeys: [], newlyInitialized: [] });
    expect(Array.from(model.layers.items[1]!.bias.value.data)).toEqual([1, 2]);
  });

  it('a third layer in the file is an UnusedWeightsError; allowUnusedWeights loads and reports it', () => {
    const error = (() => {
      try {
        loadParameters(new Toy(2), checkpoint(3), SPEC, { modelName: 'Toy', where: 'toy.safetensors' });
      } catch (e) {
        return e as UnusedWeightsError;
      }
    })()!;
    expect(error).toBeInstanceOf(UnusedWeightsError);
    expect(error.message).toMatch(/^toy\.safetensors holds 2 weight\(s\) that Toy has no place for: base\.layers\.2\.\* \(2 tensors\)\./);
    const report = loadParameters(new Toy(2), checkpoint(3), SPEC, { allowUnusedWeights: true });
    expect(report.unusedKeys).toEqual(['base.layers.2.weight', 'base.layers.2.bias']);
  });

  it('keys outside the prefix are not a head when the file has no prefix', () => {
    const unprefixed = new Map([...checkpoint(2)].map(([k, v]) => [k.replace(/^base\./, ''), v]));
    unprefixed.set('other.weight', t(1));
    expect(() => loadParameters(new Toy(2), unprefixed, SPEC)).toThrow(UnusedWeightsError);
  });

  it('a literal key wins over a legacy spelling of the same key, which is then unused', () => {
    const file = checkpoint(2, { 'base.layers.0.gamma': t(9, 9) });
    expect(() => loadParameters(new Toy(2), file, SPEC)).toThrow(/base\.layers\.0\.gamma/);
  });

  it('lists every missing tensor, with what the file holds instead, and changes nothing', () => {
    const model = new Toy(3);
    const file = checkpoint(2, { 'base.layers.x.weight': t(1, 1) });
    const error = (() => {
      try {
        loadParameters(model, file, SPEC);
      } catch (e) {
        return e as MissingTensorError;
      }
    })()!;
    expect(error).toBeInstanceOf(MissingTensorError);
    expect(error.missingKeys).toEqual(['base.layers.2.weight', 'base.layers.2.bias']);
    expect(error.unusedKeys).toEqual(['base.layers.x.weight']);
    expect(error.message).toBe(
      'tensor "base.layers.2.weight" is missing from the checkpoint (2 missing in all: base.layers.2.* (2 tensors)); ' +
        'it holds instead: base.layers.x.weight',
    );
    expect(Array.from(model.layers.items[0]!.weight.value.data)).toEqual([1, 1]); // still LayerNorm's initial ones
  });

  it('refuses tensors that are not a Map', () => {
    expect(() => loadParameters(new Toy(1), { 'base.layers.0.weight': t(1, 1) } as never)).toThrow(
      'loadWeights takes a Map of checkpoint keys to host tensors, got an object',
    );
  });
});

describe('summarizeKeys', () => {
  it('groups numbered modules and stops after six entries', () => {
    const keys = Array.from({ length: 9 }, (_, i) => [`h.${i}.a`, `h.${i}.b`]).flat();
    expect(summarizeKeys(keys)).toBe(
      'h.0.* (2 tensors), h.1.* (2 tensors), h.2.* (2 tensors), h.3.* (2 tensors), h.4.* (2 tensors), h.5.* (2 tensors) and 3 more',
    );
    expect(summarizeKeys(['lm_head.weight'])).toBe('lm_head.weight');
    expect(summarizeKeys([])).toBe('none');
  });
});

describe('Parameter', () => {
  it('allocates on first read, so a huge declared shape costs nothing until used', () => {
    const huge = new Parameter([2 ** 31 - 1, 2 ** 31 - 1]);
    expect(huge.shape).toEqual([2 ** 31 - 1, 2 ** 31 - 1]);
    expect(() => huge.value).toThrow(ConfigError);
    expect(Array.from(new Parameter([3], 1).value.data)).toEqual([1, 1, 1]);
    expect(() => new Parameter([2, -1])).toThrow(ConfigError);
  });
});

describe('ConfigReader', () => {
  it('does not find fields or allowed values on Object.prototype', () => {
    const config = ConfigReader.parse('{"act": "toString"}', 'c.json');
    expect(() => config.oneOf('act', { gelu: 1 })).toThrow('c.json: "act" is "toString"; supported: gelu');
    expect(config.has('constructor')).toBe(false);
    expect(() => config.string('toString')).toThrow('c.json is missing "toString"');
  });
});
