// The Assent consent dashboard, in the browser. Plain script (served as is, no build step), loaded
// after uPlot under a CSP of 'self' only: no inline code, no eval, text set through textContent.
// The admin or audit token lives in sessionStorage (this tab only) and is sent in the
// Authorization header; a `#token=` fragment is read once and then removed from the address bar.
(() => {
  const TOKEN_KEY = 'assent-dashboard-token';
  const SUBJECT = /^[A-Za-z0-9_-]{21}[AQgw]$/;
  // Distinguishable on white, also for the common colour-vision deficiencies (Okabe-Ito based).
  const COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#000000', '#e69f00', '#56b4e9', '#8a6d00'];
  const AXIS = { stroke: '#333a44', grid: { stroke: '#e3e6ea', width: 1 }, ticks: { stroke: '#c9ced6' } };
  const COUNTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 1e7];
  const DAY_S = 86_400;

  const lang = document.documentElement.lang || 'en';
  const nf = new Intl.NumberFormat(lang);
  const pf = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  const $ = (id) => document.getElementById(id);
  const charts = new Map();
  let labels = {};
  let last;

  const t = (key, vars = {}) =>
    Object.entries(vars).reduce((s, [k, v]) => s.split(`{${k}}`).join(String(v)), labels[key] ?? key);

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'class') e.className = v;
      else if (k === 'data') for (const [dk, dv] of Object.entries(v)) e.dataset[dk] = String(dv);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  /** Set a live region; `quiet` keeps it for screen readers only (the page already shows it). */
  function status(message, isError = false, id = 'status', quiet = false) {
    const s = $(id);
    s.textContent = message;
    s.classList.toggle('error', isError);
    s.classList.toggle('sr-only', quiet);
  }

  async function api(path) {
    const res = await fetch(path, {
      headers: { authorization: `Bearer ${token()}`, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function showError(e, where = 'status') {
    if (e.status === 401 || e.status === 403) {
      sessionStorage.removeItem(TOKEN_KEY);
      signedOut();
      status(t(e.status === 401 ? 'unauthorized' : 'forbidden'), true);
      $('token').focus();
      return;
    }
    status(t('failed', { message: e.message }), true, where);
  }

  // ---- tables ----

  /** A table with a caption; cells are strings or { text, num, cls, data, th }. */
  function table(caption, head, rows, foot) {
    const cell = (c, i, row) => {
      const o = typeof c === 'object' && c !== null ? c : { text: c };
      const isTh = o.th ?? (row && i === 0);
      return el(
        isTh ? 'th' : 'td',
        {
          text: o.text,
          class: [o.num ? 'num' : '', o.cls ?? ''].join(' ').trim() || undefined,
          scope: isTh ? 'row' : undefined,
          data: o.data,
        },
        o.node,
      );
    };
    const thead = el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...head.map((h) => el('th', { scope: 'col', text: h.text ?? h, class: h.num ? 'num' : undefined })),
      ),
    );
    const tbody = el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => cell(c, i, true)))));
    const tfoot = foot ? el('tfoot', {}, el('tr', {}, ...foot.map((c, i) => cell(c, i, true)))) : null;
    return el('table', {}, el('caption', { text: caption }), thead, tbody, tfoot);
  }

  const put = (id, node) => $(id).replaceChildren(node);

  // ---- charts ----

  function draw(id, make) {
    charts.get(id)?.destroy();
    const box = $(id);
    box.replaceChildren();
    const width = Math.max(280, box.clientWidth);
    const [opts, data] = make(width);
    charts.set(id, new uPlot({ width, height: 260, ...opts }, data, box));
  }

  const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');
  const dayPad = (_u, min, max) => [min - DAY_S / 2, max + DAY_S / 2];

  function rateChart(s, xs, purposes) {
    if (!purposes.length) {
      charts.get('rate-chart')?.destroy();
      charts.delete('rate-chart');
      put('rate-chart', el('p', { text: t('noData') }));
      return;
    }
    draw('rate-chart', () => [
      {
        tzDate: utc,
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: dayPad }, y: { range: [0, 100] } },
        axes: [AXIS, { ...AXIS, values: (_u, v) => v.map((x) => `${x}%`) }],
        series: [
          { label: t('day') },
          ...purposes.map((p, i) => ({
            label: p,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            points: { show: true, size: 6 },
            spanGaps: false,
          })),
        ],
      },
      [
        xs,
        ...purposes.map((p) =>
          s.purposes[p].given.map((g, i) => {
            const d = s.purposes[p].decided[i];
            return d ? (100 * g) / d : null;
          }),
        ),
      ],
    ]);
  }

  function methodsChart(s) {
    // /v1/stats lists every consent method, in protocol order, zeros included.
    const methodIds = Object.keys(s.methods);
    const names = methodIds.map((m) => t(`m.${m}`));
    draw('methods-chart', (width) => [
      {
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          x: { time: false, range: [-0.5, methodIds.length - 0.5] },
          y: { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] },
        },
        axes: [
          {
            ...AXIS,
            grid: { show: false },
            splits: () => methodIds.map((_, i) => i),
            values: (_u, splits) => splits.map((i) => names[i] ?? ''),
            rotate: width < 720 ? -30 : 0,
            size: width < 720 ? 90 : 40,
          },
          { ...AXIS, incrs: COUNTS },
        ],
        series: [
          { label: t('method') },
          {
            label: t('count'),
            stroke: COLORS[0],
            fill: 'rgba(0, 114, 178, 0.75)',
            paths: uPlot.paths.bars({ size: [0.6, 72] }),
            points: { show: false },
          },
        ],
      },
      [methodIds.map((_, i) => i), methodIds.map((m) => s.methods[m])],
    ]);
  }

  function eventsChart(s, xs) {
    draw('events-chart', () => [
      {
        tzDate: utc,
        cursor: { drag: { x: false, y: false } },
        legend: { live: false },
        scales: {
          x: { time: true, range: dayPad },
          y: { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] },
        },
        axes: [AXIS, { ...AXIS, incrs: COUNTS }],
        series: [
          { label: t('day') },
          {
            label: t('events'),
            stroke: COLORS[0],
            fill: 'rgba(0, 114, 178, 0.6)',
            paths: uPlot.paths.bars({ size: [0.7, 40] }),
            points: { show: false },
          },
          {
            label: t('erased'),
            stroke: COLORS[1],
            fill: 'rgba(213, 94, 0, 0.85)',
            paths: uPlot.paths.bars({ size: [0.7, 40] }),
            points: { show: false },
          },
        ],
      },
      // Days without events draw no bar, rather than a line along the axis.
      [xs, s.events.map((n) => n || null), s.erased.map((n) => n || null)],
    ]);
  }

  // ---- rendering ----

  function render(s) {
    last = s;
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    const events = sum(s.events);
    const erased = sum(s.erased);
    $('log-size').textContent = nf.format(s.log.size);
    $('events-total').textContent = nf.format(events);
    $('erased-total').textContent = nf.format(erased);
    const head = s.log.treeHead;
    $('sth-size').textContent = head ? nf.format(head.treeSize) : t('noSth');
    $('sth-root').textContent = head ? head.rootHash : '–';
    $('sth-time').textContent = head ? new Date(head.timestamp).toISOString() : '–';

    const xs = s.days.map((d) => Date.parse(d) / 1000);
    const purposes = Object.keys(s.purposes);

    rateChart(s, xs, purposes);
    put(
      'rate-table',
      purposes.length
        ? table(
            t('rateCaption'),
            [t('day'), ...purposes.map((p) => ({ text: p, num: true }))],
            s.days.map((d, i) => [
              d,
              ...purposes.map((p) => {
                const g = s.purposes[p].given[i];
                const n = s.purposes[p].decided[i];
                return {
                  text: n ? `${pf.format(g / n)} (${nf.format(g)}/${nf.format(n)})` : '–',
                  num: true,
                  data: { purpose: p, given: g, decided: n },
                };
              }),
            ]),
          )
        : el('p', { text: t('noData') }),
    );

    methodsChart(s);
    const methodIds = Object.keys(s.methods);
    const decisions = sum(methodIds.map((m) => s.methods[m]));
    const most = Math.max(1, ...methodIds.map((m) => s.methods[m]));
    const methodRows = methodIds.map((m) => {
      const n = s.methods[m];
      // The bar repeats the number for sighted readers; assistive technology reads the text.
      const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
      bar.style.width = `${(8 * n) / most}rem`;
      return [
        t(`m.${m}`),
        { text: nf.format(n), num: true, data: { method: m, count: n } },
        { text: `${decisions ? pf.format(n / decisions) : '–'} `, cls: 'share', node: bar },
      ];
    });
    put(
      'methods-table',
      table(
        t('methodsCaption', { from: s.from, to: s.to }),
        [t('method'), { text: t('count'), num: true }, t('share')],
        methodRows,
        [t('total'), { text: nf.format(decisions), num: true, data: { total: decisions } }, ''],
      ),
    );

    eventsChart(s, xs);
    put(
      'events-table',
      table(
        t('eventsCaption', { from: s.from, to: s.to }),
        [t('day'), { text: t('events'), num: true }, { text: t('erased'), num: true }],
        s.days.map((d, i) => [
          d,
          { text: nf.format(s.events[i]), num: true, data: { day: d, events: s.events[i] } },
          { text: nf.format(s.erased[i]), num: true, data: { day: d, erased: s.erased[i] } },
        ]),
        [t('total'), { text: nf.format(events), num: true }, { text: nf.format(erased), num: true }],
      ),
    );
  }

  async function loadStats() {
    status(t('loading'));
    const q = new URLSearchParams({ from: $('from').value, to: $('to').value });
    try {
      render(await api(`/v1/stats?${q}`));
      status(t('loaded', { time: new Date().toLocaleTimeString(lang) }));
    } catch (e) {
      showError(e);
    }
  }

  async function searchSubject() {
    const input = $('subject-id');
    const id = input.value.trim();
    if (!SUBJECT.test(id)) {
      input.setAttribute('aria-invalid', 'true');
      status(t('subjectInvalid'), true, 'subject-status');
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    status(t('searching'), false, 'subject-status');
    let h;
    try {
      h = await api(`/v1/dashboard/subjects/${encodeURIComponent(id)}/history`);
    } catch (e) {
      showError(e, 'subject-status');
      return;
    }
    const out = [];
    const caption = t('historyCaption', { subject: h.subject, n: nf.format(h.events.length) });
    if (h.subjects.length > 1) out.push(el('p', { text: t('linked', { list: h.subjects.join(', ') }) }));
    if (!h.events.length) out.push(el('p', { text: t('historyEmpty') }));
    else {
      const purposes = [...new Set(h.events.flatMap((e) => Object.keys(e.purposes)))].sort();
      const many = h.subjects.length > 1;
      out.push(
        table(
          caption,
          [
            { text: t('seq'), num: true },
            t('at'),
            t('method'),
            t('policy'),
            ...(many ? [t('device')] : []),
            ...purposes,
          ],
          h.events.map((e) => [
            { text: String(e.seq), num: true, th: true, data: { seq: e.seq } },
            e.at,
            { text: t(`m.${e.method}`), data: { method: e.method } },
            e.policy.version,
            ...(many ? [e.subject] : []),
            ...purposes.map((p) => {
              const st = e.purposes[p]?.status;
              return st ? { text: t(`s.${st}`), cls: `status-${st}`, data: { purpose: p, status: st } } : '–';
            }),
          ]),
        ),
      );
    }
    $('subject-result').replaceChildren(...out);
    status(caption, false, 'subject-status', true);
  }

  // ---- token and page state ----

  function signedIn() {
    $('token-form').hidden = true;
    $('signed-in').hidden = false;
    $('content').hidden = false;
  }

  function signedOut() {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    last = undefined;
    $('token-form').hidden = false;
    $('signed-in').hidden = true;
    $('content').hidden = true;
    $('subject-result').replaceChildren();
    status('', false, 'subject-status');
  }

  function defaultRange() {
    const today = new Date();
    const from = new Date(today.getTime() - 29 * DAY_S * 1000);
    $('to').value = today.toISOString().slice(0, 10);
    $('from').value = from.toISOString().slice(0, 10);
  }

  async function start() {
    try {
      const all = await (await fetch('/dashboard/i18n.json')).json();
      labels = all[lang] ?? all.en;
    } catch {}
    // A #token= fragment never reached the server; keep it only in this tab's sessionStorage.
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    defaultRange();
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const v = $('token').value.trim();
      if (!v) return;
      sessionStorage.setItem(TOKEN_KEY, v);
      $('token').value = '';
      signedIn();
      loadStats();
    });
    $('forget').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      signedOut();
      status(t('noToken'));
      $('token').focus();
    });
    $('range-form').addEventListener('submit', (e) => {
      e.preventDefault();
      loadStats();
    });
    $('subject-form').addEventListener('submit', (e) => {
      e.preventDefault();
      searchSubject();
    });
    let resizing;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => last && render(last), 150);
    });
    if (token()) {
      signedIn();
      await loadStats();
    } else {
      signedOut();
      status(t('noToken'));
    }
    document.documentElement.dataset.ready = 'true';
  }

  start();
})();
