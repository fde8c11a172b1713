import { createIdbHistory } from '@assent/core';
import type { UiModule } from '../start.js';
import { mountUi } from './mount.js';

/** What `loadUi` resolves to: the UI and the IndexedDB history, both kept out of the loader. */
export const uiModule: UiModule = { mountUi, createIdbHistory };
