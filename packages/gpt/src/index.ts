export { type GPT2Config, gpt2ConfigFromJSON } from './config.js';
export { GPT2LMHeadModel, GPT2Model, type GPT2Inputs, type GPT2LMHeadOutput, type GPT2Output } from './modeling.js';
export {
  GPT2ForSequenceClassification,
  GPT2ForTokenClassification,
  type GPT2ClassifierInputs,
  type GPT2HeadConfig,
} from './heads.js';
