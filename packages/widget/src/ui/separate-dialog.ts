import { h } from 'preact';
import { Modal } from './modal.js';
import { PurposeRow } from './purpose-row.js';
import type { SeparateRequest, UiState } from './state.js';

/**
 * Separate consent (单独同意) for one purpose, at the moment it is needed: a modal that states the
 * purpose, why it is necessary, its impact, the data, retention and recipients or destination
 * country, and asks for an affirmative act for this purpose alone. "I agree" and "I do not agree"
 * are equal buttons; refusing (or closing) leaves the store usable. The same dialog asks for an
 * ordinary consent purpose when a gated element's "Load this content" placeholder is pressed.
 */
export function SeparateDialog({ s, req }: { s: UiState; req: SeparateRequest }) {
  const { t, consent } = s;
  const p = s.purposes.find((x) => x.id === req.id)!;
  const { end } = s;
  return h(
    Modal,
    { labelledBy: 'assent-st', onClose: () => end('dismissed'), closeLabel: t('close') },
    h('h2', { id: 'assent-st' }, t(p.separate ? 'dialogTitle' : 'askTitle', { purpose: p.name })),
    p.necessity && [h('h3', null, t('necessity')), h('p', null, p.necessity)],
    p.impact && [h('h3', null, t('impact')), h('p', null, p.impact)],
    h(PurposeRow, { s, p, control: null }),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          'data-action': 'agree',
          onClick: s.act(() => {
            p.separate ? consent.grantSeparate(p.id) : consent.set({ [p.id]: true }, 'separate:dialog');
            end('given');
          }),
        },
        t('agree'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          'data-action': 'refuse',
          onClick: s.act(() => {
            p.separate ? consent.refuseSeparate(p.id) : consent.set({ [p.id]: false }, 'separate:dialog');
            end('refused');
          }),
        },
        t('refuse'),
      ),
    ),
    h('p', { class: 'note' }, t('refuseNote')),
  );
}
