// @assent/widget/ui: the Preact consent UI, for bundler users who mount it themselves.
export { mountUi, type UiController } from './mount.js';
export type { UiOptions } from './state.js';
export { en } from './texts/en.js';
export { zhCN } from './texts/zh-cn.js';
export type { TextKey, UiTexts } from './texts/en.js';
