import { Component, h } from 'preact';
import { History } from './history.js';
import { Modal } from './modal.js';
import { PurposeRow } from './purpose-row.js';
import type { UiState } from './state.js';

/**
 * The second layer. One row per consent purpose with a switch that shows the current decision
 * (off unless given); contract and legal-obligation purposes as always active with the reason;
 * separate-consent purposes with their status, withdrawable here but never granted by Accept all;
 * Save, Accept all and Reject all as equal buttons; Withdraw all; the history and its download.
 */
export class Preferences extends Component<{ s: UiState }, { draft?: Record<string, boolean> }> {
  // The switches' unsaved positions (state `draft`, none at first), dropped when the preference
  // center closes. No initial state field: class fields would cost the bundle a helper.
  render({ s }: { s: UiState }, { draft = {} }: { draft?: Record<string, boolean> }) {
    const { t, consent } = s;
    const setDraft = (d: Record<string, boolean>) => this.setState({ draft: d });
    const given = (id: string) => consent.get(id)?.status === 'given';
    const consentRows = s.purposes.filter((p) => p.basis === 'consent' && !p.separate);
    const fixed = s.purposes.filter((p) => p.basis !== 'consent');
    const separate = s.purposes.filter((p) => p.separate);
    const close = s.closePrefs;
    const finish = (fn: () => void) =>
      s.act(() => {
        fn();
        s.banner.value = null;
        close();
        s.say(t('saved'));
      });
    const on = (id: string) => draft[id] ?? given(id);
    const status = (id: string) => {
      const d = consent.get(id);
      return t(d ? (`status.${d.status}` as const) : 'status.none');
    };
    const anyGiven = s.purposes.some((p) => given(p.id));
    return h(
      Modal,
      { labelledBy: 'assent-pt', onClose: close, closeLabel: t('close') },
      h('h2', { id: 'assent-pt' }, t('preferencesTitle')),
      h('p', null, t('preferencesIntro')),
      s.o.gpcHonoured && h('p', { class: 'note' }, t('gpc')),
      consentRows.map((p) =>
        h(PurposeRow, {
          s,
          p,
          level: 'h3',
          labelId: `assent-p-${p.id}`,
          control: h('button', {
            type: 'button',
            role: 'switch',
            class: 'sw',
            'aria-checked': on(p.id) ? 'true' : 'false',
            'aria-labelledby': `assent-p-${p.id}`,
            onClick: s.act(() => setDraft({ ...draft, [p.id]: !on(p.id) })),
          }),
        }),
      ),
      fixed.map((p) =>
        h(PurposeRow, {
          s,
          p,
          level: 'h3',
          control: h('span', { class: 'on' }, t('alwaysActive')),
        }),
      ),
      separate.length > 0 && [
        h('h3', null, t('separateTitle')),
        h('p', { class: 'note' }, t('separateIntro')),
        separate.map((p) =>
          h(PurposeRow, {
            s,
            p,
            labelId: `assent-p-${p.id}`,
            control: h(
              'span',
              { class: 'on' },
              status(p.id),
              ' ',
              given(p.id)
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'link',
                      'aria-describedby': `assent-p-${p.id}`,
                      onClick: s.act(() => {
                        consent.withdraw(p.id, 'preferences:save');
                        s.say(t('saved'));
                      }),
                    },
                    t('withdraw'),
                  )
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'link',
                      'aria-describedby': `assent-p-${p.id}`,
                      onClick: () => s.ask(p.id),
                    },
                    t('review'),
                  ),
            ),
          }),
        ),
      ],
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            'data-action': 'save',
            onClick: finish(() =>
              consent.set(Object.fromEntries(consentRows.map((p) => [p.id, on(p.id)])), 'preferences:save'),
            ),
          },
          t('save'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            'data-action': 'accept-all',
            onClick: finish(() => consent.acceptAll('banner:accept-all')),
          },
          t('acceptAll'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            'data-action': 'reject-all',
            onClick: finish(() => consent.rejectAll('banner:reject-all')),
          },
          t('rejectAll'),
        ),
      ),
      anyGiven &&
        h(
          'p',
          null,
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              'data-action': 'withdraw-all',
              // The button goes once nothing is given: focus moves to the dialog first, or it would
              // fall to the page's body, where Escape and the focus trap no longer reach.
              onClick: (e: Event) =>
                s.act(() => {
                  ((e.currentTarget as Element).closest('[role=dialog]') as HTMLElement).focus();
                  consent.withdraw('all', 'preferences:save');
                  setDraft({});
                  s.say(t('withdrawn'));
                })(e),
            },
            t('withdrawAll'),
          ),
        ),
      h(History, { s }),
    );
  }
}
