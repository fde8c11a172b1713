import type { StoredReceipt } from '@assent/core/sync';
import { Component, h } from 'preact';
import type { HistoryRecord } from '../lib/types.js';
import { formatTime } from './lib/format.js';
import type { UiState } from './state.js';

interface HistoryView {
  entries?: readonly HistoryRecord[];
  receipts?: readonly StoredReceipt[];
}

/**
 * The decisions recorded on this device (IndexedDB, newest first), each with the ledger's receipt
 * once it has one (joined by event id), and "Download my records": a JSON file with the subject
 * id, the current decisions, the whole history and the receipts, made in the page (a `blob:` URL),
 * so it works offline and sends nothing anywhere.
 */
export class History extends Component<{ s: UiState }, HistoryView> {
  // Both lists start empty (render's defaults); no initialised fields, which would cost a helper.
  declare offs?: (() => void)[];
  // Read on opening and again after each decision and receipt; nothing is set once the view is gone.
  override componentDidMount() {
    const { history, receipts } = this.props.s.o;
    const read = () => {
      history
        ?.list()
        .then((list) => this.offs && this.setState({ entries: [...list].reverse() }))
        .catch(() => {});
      receipts
        ?.list()
        .then((list) => this.offs && this.setState({ receipts: list }))
        .catch(() => {});
    };
    this.offs = [this.props.s.consent.subscribe(read), receipts?.subscribe(read) ?? (() => {})];
    read();
  }
  override componentWillUnmount() {
    for (const off of this.offs ?? []) off();
    this.offs = undefined;
  }
  render({ s }: { s: UiState }, { entries = [], receipts = [] }: HistoryView) {
    const { t, consent, locale } = s;
    const name = (id: string) => s.purposes.find((p) => p.id === id)?.name ?? id;
    // The ledger's receipt for a record (same event id), if it has one.
    const receipted = (id: string) => {
      const r = receipts.find((x) => x.id === id);
      return (
        r &&
        h('span', { class: 'note', 'data-receipt': r.seq }, s.paren(t('receipt', { seq: String(r.seq) })))
      );
    };
    const download = () => {
      // A copy the shopper (PIPL Art. 45) or an auditor can read on its own: what each purpose is,
      // as the shopper was shown it in their language, next to the decisions, their times in
      // ISO 8601 like the history's.
      const decisions = consent.decisions();
      const records = {
        controller: s.config.controller,
        notice: s.config.notice,
        subject: consent.subject,
        locale,
        exportedAt: new Date().toISOString(),
        purposes: s.purposes,
        decisions: Object.fromEntries(
          Object.entries(decisions).map(([id, d]) => [id, { ...d, at: new Date(d.at).toISOString() }]),
        ),
        history: entries,
        receipts,
      };
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(records, null, 2)], { type: 'application/json' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = `assent-records-${consent.subject}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    };
    return [
      h('h3', null, t('history')),
      entries.length === 0
        ? h('p', { class: 'note' }, t('historyEmpty'))
        : h(
            'ol',
            { class: 'hist' },
            entries.slice(0, 50).map((e, i) =>
              h(
                'li',
                { key: i },
                `${formatTime(Date.parse(e.event.at), locale)}: `,
                (e.changed.length ? e.changed : Object.keys(e.event.purposes))
                  .map((id) => {
                    const st = e.event.purposes[id]?.status;
                    return `${name(id)}${s.zh ? '：' : ' \u2013 '}${t(st ? (`status.${st}` as const) : 'status.none')}`;
                  })
                  .join(s.semi),
                receipted(e.event.id),
              ),
            ),
          ),
      h(
        'button',
        { type: 'button', class: 'link', 'data-action': 'download', onClick: download },
        t('download'),
      ),
    ];
  }
}
