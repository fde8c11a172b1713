import { h } from 'preact';
import { Banner } from './banner.js';
import { Preferences } from './preferences.js';
import { SeparateDialog } from './separate-dialog.js';
import type { UiState } from './state.js';

/** Root view: whichever layers are open, plus a polite live region for confirmations. */
export function App({ s }: { s: UiState }) {
  const reasons = s.banner.value;
  const req = s.separate.value;
  return [
    reasons && h(Banner, { s, reasons }),
    s.prefs.value && h(Preferences, { s }),
    req && h(SeparateDialog, { s, req, key: req.id }),
    h('div', { class: 'live', role: 'status' }, s.said.value),
  ];
}
