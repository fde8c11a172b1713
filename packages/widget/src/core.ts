// @assent/widget/core: the headless consent model, for storefronts that draw their own UI.
export * from '@assent/core';
