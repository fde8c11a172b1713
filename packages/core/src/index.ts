// @assent/core: the consent model. Protocol types and helpers are re-exported for convenience.
export * from './protocol/index.js';
