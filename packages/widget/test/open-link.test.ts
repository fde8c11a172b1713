// In a file of its own: every startAssent instance listens for clicks on the window, so in a file
// with other tests their instances would open their preference centers too.
import { createConsent, memoryStorage } from '@assent/core';
import { loadUi, startAssent } from '@assent/widget';
import { expect, it, vi } from 'vitest';
import { storeConfig } from './fixtures/config.js';
import { flush } from './helpers.js';

it('opens the preference center from any [data-assent-open] element, and the button can be off', async () => {
  const config = storeConfig();
  const storage = memoryStorage();
  createConsent(config, { storage }).rejectAll();
  await (await loadUi()).read({ config, storage });
  const load = vi.fn(loadUi);
  const api = startAssent({ config, loadUi: load, storage, floatingButton: 'off' });
  await flush();
  expect(document.querySelector('assent-settings')).toBeNull();
  expect(load).not.toHaveBeenCalled();
  const link = document.createElement('a');
  link.href = '#privacy';
  link.setAttribute('data-assent-open', '');
  link.innerHTML = '<span>Privacy</span>';
  document.body.append(link);
  const shadow = () => document.querySelector('assent-widget')?.shadowRoot;
  link.querySelector('span')!.click();
  await vi.waitFor(() => expect(shadow()?.querySelector('[role="dialog"]')).toBeTruthy());
  expect(load).toHaveBeenCalledOnce();
  api.close();
  await vi.waitFor(() => expect(shadow()?.querySelector('[role="dialog"]')).toBeFalsy());
});
