/**
 * torch.nn.utils.clip_grad_norm_'s coefficient: gradients are multiplied by min(1, maxNorm / (norm + 1e-6)).
 * `maxNorm` undefined means no clipping (coefficient 1).
 */
export function clipCoefficient(norm: number, maxNorm: number | undefined): number {
  if (maxNorm === undefined) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}
