// Top-level await in the page and in the examples.
export default { build: { target: 'es2022' } };
