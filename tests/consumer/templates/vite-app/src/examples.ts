// Replaced by the test with one loader per README example (src/examples/<id>.ts).
export const examples: Record<string, () => Promise<unknown>> = {};
