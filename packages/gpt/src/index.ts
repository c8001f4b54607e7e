export { type GPT2Config, gpt2ConfigFromJSON } from './config.js';
export { GPT2LMHeadModel, GPT2Model, type GPT2Inputs, type GPT2LMHeadOutput, type GPT2Output } from './modeling.js';
