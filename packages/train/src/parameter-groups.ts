import { InputError, type Module, type Parameter } from '@attnjs/core';

/** Parameters that share optimiser settings (PyTorch's `param_groups`). */
export interface ParameterGroup {
  readonly params: readonly Parameter[];
  /** Decoupled weight decay for this group (AdamW) or L2 penalty (SGD). */
  readonly weightDecay: number;
}

/**
 * The nanoGPT / Hugging Face Trainer rule: weight decay on every tensor of rank ≥ 2 (matrices and
 * embeddings), none on the 1-D ones (biases, LayerNorm weights and biases).
 */
export function decayGroups(model: Module, weightDecay: number): ParameterGroup[] {
  const params = model.parameters();
  return [
    { params: params.filter((p) => p.shape.length >= 2), weightDecay },
    { params: params.filter((p) => p.shape.length < 2), weightDecay: 0 },
  ];
}

/** Checks groups: finite decay, each parameter once. Returns the parameters in group order. */
export function flattenGroups(groups: readonly ParameterGroup[]): Parameter[] {
  const seen = new Set<Parameter>();
  groups.forEach((group, g) => {
    if (!Number.isFinite(group.weightDecay) || group.weightDecay < 0) {
      throw new InputError(`parameter group ${g}: weightDecay must be a finite number ≥ 0, got ${group.weightDecay}`);
    }
    for (const p of group.params) {
      if (seen.has(p)) throw new InputError(`parameter group ${g}: a parameter appears in more than one group (or twice)`);
      seen.add(p);
    }
  });
  return [...seen];
}
