import { ConfigReader, type GeluApproximation, UnsupportedError } from '@attnjs/core';

/** The fields of Hugging Face's GPT2Config that change the computation, camelCased. */
export interface GPT2Config {
  readonly vocabSize: number;
  readonly nPositions: number;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nInner: number;
  readonly layerNormEpsilon: number;
  readonly activation: GeluApproximation;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  readonly padTokenId?: number;
}

const ACTIVATIONS: Record<string, GeluApproximation> = {
  gelu_new: 'tanh',
  gelu_pytorch_tanh: 'tanh',
  gelu_fast: 'tanh',
  gelu: 'none',
};

/** Reads a GPT-2 config.json; fields that would change the math and that we do not implement are refused. */
export function gpt2ConfigFromJSON(config: ConfigReader): GPT2Config {
  const nEmbd = config.int('n_embd');
  if (config.has('scale_attn_by_inverse_layer_idx') && config.boolean('scale_attn_by_inverse_layer_idx')) {
    throw new UnsupportedError(`${config.source}: scale_attn_by_inverse_layer_idx = true is not supported`);
  }
  if (config.has('scale_attn_weights') && !config.boolean('scale_attn_weights')) {
    throw new UnsupportedError(`${config.source}: scale_attn_weights = false is not supported`);
  }
  if (config.has('model_type') && config.string('model_type') !== 'gpt2') {
    throw new UnsupportedError(`${config.source}: model_type "${config.string('model_type')}" is not gpt2`);
  }
  return {
    vocabSize: config.int('vocab_size'),
    nPositions: config.int('n_positions'),
    nEmbd,
    nLayer: config.int('n_layer'),
    nHead: config.int('n_head'),
    nInner: config.has('n_inner') ? config.int('n_inner') : 4 * nEmbd,
    layerNormEpsilon: config.number('layer_norm_epsilon', 1e-5),
    activation: config.oneOf('activation_function', ACTIVATIONS, 'gelu_new'),
    bosTokenId: config.optionalInt('bos_token_id'),
    eosTokenId: config.optionalInt('eos_token_id'),
    padTokenId: config.optionalInt('pad_token_id'),
  };
}
