import { Component, h } from 'preact';
import type { HistoryRecord } from '../lib/types.js';
import { formatTime } from './lib/format.js';
import type { UiState } from './state.js';

/**
 * The decisions recorded on this device (IndexedDB, newest first) and "Download my records": a
 * JSON file with the subject id, the current decisions and the whole history, made in the page
 * (a `blob:` URL), so it works offline and sends nothing anywhere.
 */
export class History extends Component<{ s: UiState }, { entries: readonly HistoryRecord[] }> {
  override state = { entries: [] as readonly HistoryRecord[] };
  off?: () => void;
  // Read on opening and again after each decision; nothing is set once the view is gone.
  override componentDidMount() {
    const { s } = this.props;
    const read = () =>
      s.o.history
        ?.list()
        .then((list) => this.off && this.setState({ entries: [...list].reverse() }))
        .catch(() => {});
    this.off = s.consent.subscribe(read);
    read();
  }
  override componentWillUnmount() {
    this.off?.();
    this.off = undefined;
  }
  render({ s }: { s: UiState }, { entries }: { entries: readonly HistoryRecord[] }) {
    const { t, consent, locale } = s;
    const name = (id: string) => s.purposes.find((p) => p.id === id)?.name ?? id;
    const download = () => {
      const records = {
        controller: s.config.controller,
        notice: s.config.notice,
        subject: consent.subject,
        exportedAt: new Date().toISOString(),
        decisions: consent.decisions(),
        history: entries,
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
                    return `${name(id)} \u2013 ${t(st ? (`status.${st}` as const) : 'status.none')}`;
                  })
                  .join('; '),
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
