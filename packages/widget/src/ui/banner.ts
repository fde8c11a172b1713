import type { BannerButton } from '@assent/core';
import { h } from 'preact';
import type { PromptReason } from '../lib/types.js';
import { restoreFocus } from './modal.js';
import type { UiState } from './state.js';

/**
 * The first layer: who asks, what for, a link to the full notice, and Accept all, Reject all and
 * Customize as identical buttons (same element, class, size, font and colours: equal prominence).
 * A region, not a modal: the store stays usable. Closing it records nothing.
 */
export function Banner({ s, reasons }: { s: UiState; reasons: PromptReason[] }) {
  const { t, config, consent } = s;
  const names = (ids: string[]) =>
    ids
      .map((id) => s.purposes.find((p) => p.id === id)?.name ?? id)
      .join(s.locale.startsWith('zh') ? '、' : ', ');
  const done = (_: unknown) => {
    s.banner.value = null;
    s.say(t('saved'));
    restoreFocus();
  };
  const buttons: Record<BannerButton, [string, () => void]> = {
    'accept-all': [t('acceptAll'), () => done(consent.acceptAll('banner:accept-all'))],
    'reject-all': [t('rejectAll'), () => done(consent.rejectAll('banner:reject-all'))],
    customize: [t('customize'), () => {}],
  };
  // `ui.buttons` orders the three; it cannot hide one. Lint refuses a config without Reject all,
  // but the loader does not run lint, and refusing must stay as easy as accepting: a button the
  // config leaves out comes after the listed ones.
  const order = [
    ...new Set<BannerButton>([...(config.ui?.buttons ?? []), 'accept-all', 'reject-all', 'customize']),
  ];
  return h(
    'section',
    { class: 'banner', 'aria-labelledby': 'assent-bt', ref: s.room },
    h('h2', { id: 'assent-bt' }, t('title')),
    h('p', { class: 'ctl' }, config.controller.name),
    h('p', null, t('summary', { controller: config.controller.name ?? '' })),
    // Why the shopper is asked again, naming the purposes: changed definitions, expired consent,
    // refusals old enough to ask again (a first visit needs no reason).
    (['changed', 'expired', 'reask'] as const).map((k) => {
      const ids = reasons
        .filter((r) => r.kind === (k === 'changed' ? 'definition-changed' : k))
        .flatMap((r) => r.purposes);
      return ids.length > 0 && h('p', null, t(k, { purposes: names(ids) }));
    }),
    s.o.gpcHonoured && h('p', null, t('gpc')),
    h('p', null, h('a', { href: config.notice.url }, t('notice'))),
    h(
      'div',
      { class: 'actions' },
      order.map((b) =>
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            'data-action': b,
            // Opening the second layer changes nothing, so it needs no trusted event.
            onClick: b === 'customize' ? s.openPrefs : s.act(buttons[b][1]),
          },
          buttons[b][0],
        ),
      ),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'x',
        'aria-label': t('closeBanner'),
        onClick: () => {
          s.banner.value = null;
          restoreFocus();
        },
      },
      '\u00d7',
    ),
  );
}
