import { h } from 'preact';
import type { PurposeView } from './lib/model.js';
import type { UiState } from './state.js';

/**
 * Everything the shopper is told about one purpose: description, data categories with their grade
 * (sensitive ones marked in words, not only colour), retention, recipients, transfer abroad,
 * public disclosure and legal basis. `control` is the toggle, status or "always active" note.
 */
export function PurposeRow({
  s,
  p,
  control,
  labelId,
  level = 'h4',
}: {
  s: UiState;
  p: PurposeView;
  control: preact.ComponentChildren;
  /** id for the purpose's name, when a control is labelled by it. */
  labelId?: string;
  /** The name's heading level: one below the section it is in, so that no level is skipped. */
  level?: 'h3' | 'h4';
}) {
  const { t } = s;
  const row = (label: string, value: preact.ComponentChildren) => [
    h('dt', null, label),
    h('dd', null, value),
  ];
  return h(
    'div',
    { class: 'p', 'data-purpose': p.id },
    h('div', { class: 'ph' }, h(level, { id: labelId }, p.name), control),
    p.description && h('p', { class: 'note' }, p.description),
    p.basis !== 'consent' &&
      h('p', { class: 'note' }, t(p.basis === 'contract' ? 'contractReason' : 'legalReason')),
    h(
      'dl',
      null,
      p.categories.length > 0 &&
        row(
          t('categories'),
          p.categories.map((c) =>
            h(
              'span',
              {
                class: c.sensitive ? 'tag sens' : 'tag',
                'data-grade': c.sensitive ? 'sensitive' : 'general',
              },
              c.label,
              c.sensitive && s.paren(t('sensitive')),
            ),
          ),
        ),
      p.retention && row(t('retention'), p.retention),
      p.recipients.length > 0 && row(t('recipients'), p.recipients.join(s.semi)),
      p.transfer && row(t('transfer'), p.transfer),
      p.publicDisclosure && row(t('publicly'), t('yes')),
      row(t('basis'), t(`basis.${p.basis}` as const)),
    ),
  );
}
