// The storefront's browser script: recommendations, checkout with separate consent, newsletter.
// Plain DOM, no framework; text only through textContent. Consent questions go to the Assent
// widget (`window.assent`); the server checks the signed receipt before using any data, so this
// script only decides when to ask.
(() => {
  const data = JSON.parse(document.getElementById('shop-data')?.textContent || '{}');
  const msg = data.messages || {};
  const assent = () => window.assent;

  /** The status a widget decision stands for, whatever shape the promise resolved with. */
  function statusOf(decision) {
    if (decision === true) return 'given';
    if (typeof decision === 'string') return decision;
    return decision?.status ?? 'refused';
  }

  /** Ask for a separate consent at the moment it is needed; without the widget the answer is no. */
  async function askSeparately(purpose) {
    const a = assent();
    if (!a || typeof a.requestSeparate !== 'function') return 'refused';
    try {
      return statusOf(await a.requestSeparate(purpose));
    } catch {
      return 'refused';
    }
  }

  function onConsentChange(callback) {
    const a = assent();
    if (!a || typeof a.on !== 'function') return;
    for (const event of ['change', 'receipt']) {
      try {
        a.on(event, callback);
      } catch {}
    }
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function postJson(url, body) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    return { status: res.status, body: await res.json().catch(() => ({})) };
  }

  // The widget records a decision at once, but the signed receipt the server checks comes back
  // from the ledger a moment later. After a "yes" in the dialog, retry while the server still
  // sees the old receipt, for a few seconds at most.
  async function postWithFreshReceipt(url, body, onWait) {
    let last;
    for (let attempt = 0; attempt < 25; attempt++) {
      last = await postJson(url, body);
      if (last.status !== 403 || last.body.error !== 'consent-required') return last;
      if (attempt === 0) onWait();
      await sleep(400);
    }
    return last;
  }

  function setStatus(el, text, isError) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('error', Boolean(isError));
  }

  // Signed in: tie this browser's decisions to the account. The server puts a link token on the
  // Assent tag when it already knows the device subject (from the `assent` cookie); on a first
  // visit it cannot, so ask for one here as soon as the widget has a subject.
  const loader = document.querySelector('script[data-config]');
  if (data.signedIn && loader && !loader.dataset.linkToken && assent()) {
    let linking = false;
    const link = async () => {
      const a = assent();
      const subject = a?.consent?.subject;
      if (linking || !subject || typeof a.link !== 'function') return;
      linking = true;
      const result = await postJson('/api/link-token', { subject });
      if (result.status === 200) await a.link(result.body.token);
      else linking = false;
    };
    const attempt = () => link().catch(() => {});
    assent().ready?.then(attempt, () => {});
    for (const event of ['banner', 'change']) {
      try {
        assent().on(event, attempt);
      } catch {}
    }
  }

  // Recommended for you
  const recSection = document.getElementById('recommendations');
  async function loadRecommendations() {
    if (!recSection) return;
    const list = document.getElementById('rec-list');
    const note = document.getElementById('rec-note');
    const res = await fetch(`/api/recommendations?product=${encodeURIComponent(data.product || '')}`, {
      credentials: 'same-origin',
    });
    const body = await res.json();
    const items = body.items.map((item) => {
      const li = document.createElement('li');
      li.className = 'card';
      const a = document.createElement('a');
      a.href = item.url;
      const img = document.createElement('img');
      img.src = `/img/${item.id}.svg`;
      img.alt = '';
      img.width = 240;
      img.height = 180;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = item.name;
      a.append(img, name);
      const price = document.createElement('span');
      price.className = 'price';
      price.textContent = item.price;
      li.append(a, price);
      return li;
    });
    list.replaceChildren(...items);
    note.textContent = body.personalised ? msg.recPersonal : msg.recGeneric;
    recSection.dataset.personalised = String(body.personalised);
    recSection.dataset.reason = body.reason || '';
    recSection.setAttribute('aria-busy', 'false');
  }
  if (recSection) {
    loadRecommendations().catch(() => {});
    let timer;
    onConsentChange(() => {
      clearTimeout(timer);
      timer = setTimeout(() => loadRecommendations().catch(() => {}), 150);
    });
  }

  // Checkout: sensitive uses are asked for separately, when the shopper chooses them and pays.
  const checkout = document.getElementById('checkout');
  if (checkout) {
    const status = document.getElementById('checkout-status');
    const pay = document.getElementById('pay');
    const choose = (name, value) => {
      const input = checkout.querySelector(`input[name="${name}"][value="${value}"]`);
      if (input) input.checked = true;
    };
    checkout.addEventListener('submit', async (event) => {
      event.preventDefault();
      pay.disabled = true;
      try {
        const fields = Object.fromEntries(new FormData(checkout));
        if (fields.delivery === 'location') {
          if ((await askSeparately('precise-location')) !== 'given') {
            choose('delivery', 'address');
            setStatus(status, msg.locationRefused, true);
            checkout.elements.address.focus();
            return;
          }
          try {
            const pos = await new Promise((resolve, reject) =>
              navigator.geolocation.getCurrentPosition(resolve, reject, { timeout: 10000, maximumAge: 0 }),
            );
            fields.lat = String(pos.coords.latitude);
            fields.lon = String(pos.coords.longitude);
          } catch {
            choose('delivery', 'address');
            setStatus(status, msg.locationUnavailable, true);
            checkout.elements.address.focus();
            return;
          }
        }
        if (fields.payment === 'face') {
          if ((await askSeparately('face-payment')) !== 'given') {
            choose('payment', 'card');
            setStatus(status, msg.faceRefused, true);
            return;
          }
          setStatus(status, msg.faceScanning);
        }
        const needsConsent = fields.payment === 'face' || fields.delivery === 'location';
        const result = needsConsent
          ? await postWithFreshReceipt('/api/checkout', fields, () => setStatus(status, msg.consentPending))
          : await postJson('/api/checkout', fields);
        if (result.status === 201) {
          location.assign(result.body.url);
          return;
        }
        setStatus(status, result.body.message || result.body.error || String(result.status), true);
      } finally {
        pay.disabled = false;
      }
    });
  }

  // Newsletter: the server refuses unless the receipt allows marketing emails. Signing up is the
  // moment to ask, so the widget's dialog asks for that one purpose; the shopper can say no.
  const newsletter = document.getElementById('newsletter');
  if (newsletter) {
    const status = document.getElementById('newsletter-status');
    newsletter.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { email: newsletter.elements.email.value };
      let result = await postJson('/api/newsletter', body);
      if (result.body.error === 'consent-required') {
        const a = assent();
        const answer =
          typeof a?.requestConsent === 'function'
            ? statusOf(await a.requestConsent(result.body.purpose).catch(() => 'refused'))
            : 'refused';
        if (answer === 'given') {
          result = await postWithFreshReceipt('/api/newsletter', body, () =>
            setStatus(status, msg.consentPending),
          );
        }
      }
      if (result.status === 200 || result.status === 201) setStatus(status, msg.subscribed);
      else if (result.body.error === 'consent-required') setStatus(status, msg.newsletterNeedsConsent, true);
      else setStatus(status, result.body.message || String(result.status), true);
    });
  }
})();
