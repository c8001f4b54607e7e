import { ConfigError, ConfigReader, type GeluApproximation, MAX_LAYERS, UnsupportedError } from '@attnjs/core';

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
  /** Dropout in training (identity in inference), Hugging Face's defaults 0.1. */
  readonly residPdrop: number;
  readonly embdPdrop: number;
  readonly attnPdrop: number;
  /** Before GPT2ForTokenClassification's classifier: classifier_dropout, else hidden_dropout, else 0.1 (HF). */
  readonly classifierDropout: number;
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

/**
 * Reads a GPT-2 config.json; fields that would change the math and that we do not implement are refused.
 * Sizes must be positive integers (`n_embd` divisible by `n_head`) and the epsilon positive; whether
 * they match the weights is checked against the checkpoint's shapes before anything is allocated.
 */
export function gpt2ConfigFromJSON(config: ConfigReader): GPT2Config {
  const nEmbd = config.size('n_embd');
  const nHead = config.size('n_head');
  if (nEmbd % nHead !== 0) {
    throw new ConfigError(`${config.source}: "n_embd" (${nEmbd}) must be divisible by "n_head" (${nHead})`);
  }
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
    vocabSize: config.size('vocab_size'),
    nPositions: config.size('n_positions'),
    nEmbd,
    nLayer: config.size('n_layer', undefined, MAX_LAYERS),
    nHead,
    nInner: config.has('n_inner') ? config.size('n_inner') : 4 * nEmbd,
    layerNormEpsilon: config.positive('layer_norm_epsilon', 1e-5),
    activation: config.oneOf('activation_function', ACTIVATIONS, 'gelu_new'),
    residPdrop: config.probability('resid_pdrop', 0.1),
    embdPdrop: config.probability('embd_pdrop', 0.1),
    attnPdrop: config.probability('attn_pdrop', 0.1),
    classifierDropout: config.probability('classifier_dropout', config.probability('hidden_dropout', 0.1)),
    bosTokenId: config.optionalInt('bos_token_id'),
    eosTokenId: config.optionalInt('eos_token_id'),
    padTokenId: config.optionalInt('pad_token_id'),
  };
}

