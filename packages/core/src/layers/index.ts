export * from './linear.js';
export * from './norm.js';
export * from './embedding.js';
export * from './attention.js';
export * from './feed-forward.js';
export * from './block.js';
export * from './dropout.js';
